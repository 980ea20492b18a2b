/**
 * Redis going away and coming back, on each adapter that serves over node:http: a real
 * redis-server is stopped while the app runs (a request that needs it is answered 503
 * JSON within the store's deadline, never a hang, a 500 or a crash), then started again
 * on the same port (the client reconnects by itself and the app serves sessions again,
 * with no restart). The servers stopped are only the ones this test started.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createClient } from 'redis';
import { signetSession as expressSession } from 'signet-session/express';
import { Revocation, SessionEngine, SessionIds, StoreUnavailable } from 'signet-session';
import { signetSession as fastifySession } from 'signet-session/fastify';
import { fetchSessions } from 'signet-session/fetch';
import { signetSession as honoSession, type SessionEnv } from 'signet-session/hono';
import { RedisStore } from 'signet-session/redis';
import { CookieJar, httpRequest } from './support/http-client.js';
import { startRedis, type RedisProcess } from './support/redis-server.js';

const SECRET = 'the redis fault suite secret, 32+ bytes long';
const DEADLINE_MS = 500;

interface App {
  readonly port: number;
  close(): Promise<void>;
}

type Client = ReturnType<typeof createClient>;

const visits = (session: { get(key: string): unknown; set(key: string, value: number): unknown }): { visits: number } => {
  const count = ((session.get('visits') as number | undefined) ?? 0) + 1;
  session.set('visits', count);
  return { visits: count };
};

const APPS: ReadonlyArray<readonly [string, (store: RedisStore) => Promise<App>]> = [
  [
    'signet/fastify',
    async (store) => {
      const app = Fastify({ logger: false });
      await app.register(fastifySession, { secret: SECRET, store });
      app.get('/visits', (request) => visits(request.session));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
    },
  ],
  [
    'signet/express',
    async (store) => {
      const app = express();
      app.use(expressSession({ secret: SECRET, store }));
      app.get('/visits', (req, res) => { res.json(visits(req.session)); });
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => { server.close(() => { resolve(); }); server.closeAllConnections(); }) };
    },
  ],
  [
    'signet/hono',
    async (store) => {
      const app = new Hono<SessionEnv>();
      app.use(honoSession({ secret: SECRET, store }));
      app.get('/visits', (c) => c.json(visits(c.var.session)));
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
      await once(server, 'listening');
      return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => { server.close(() => { resolve(); }); server.closeAllConnections(); }) };
    },
  ],
];

/** A login's answer from another process (its own engine, same key): a cookie session whose user this process has not read. */
async function cookieFromElsewhere(secret: string, user: string): Promise<string> {
  const engine = new SessionEngine({ secret });
  const handle = engine.begin({ cookieHeader: undefined });
  handle.session.set('_user_id', user);
  handle.session.set('_gen', 0);
  const outcome = await handle.finish();
  return (outcome.setCookie[0] ?? '').split(';')[0] ?? '';
}

describe('When Redis goes away and comes back', { timeout: 30_000 }, () => {
  let redis: RedisProcess | undefined;
  let client: Client | undefined;
  const warnings: unknown[] = [];
  before(async () => {
    redis = await startRedis();
    // Reconnect quickly, as an app would configure for its own outages.
    client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } });
    await client.connect();
  });
  after(async () => {
    client?.destroy();
    await redis?.stop();
  });

  for (const [name, build] of APPS) {
    it(`${name}: answers 503 JSON within the deadline while Redis is down, and serves sessions again once it is back`, async () => {
      const store = new RedisStore(client as Client, { timeout: DEADLINE_MS, onError: (error) => warnings.push(error) });
      const app = await build(store);
      try {
        const jar = new CookieJar();
        const first = await httpRequest(app.port, '/visits');
        assert.deepEqual(JSON.parse(first.body), { visits: 1 });
        jar.store(first);

        const port = (redis as RedisProcess).port;
        await (redis as RedisProcess).stop();
        const started = Date.now();
        const down = await httpRequest(app.port, '/visits', { headers: { cookie: jar.header() } });
        const waited = Date.now() - started;
        assert.equal(down.status, 503, down.body);
        assert.match(down.headers['content-type'] ?? '', /^application\/json/);
        assert.match((JSON.parse(down.body) as { error: string }).error, /session store is unavailable/);
        // A bound on how long the answer takes, not a measure of speed: the deadline and some slack.
        assert.ok(waited < DEADLINE_MS + 2000, `answered after ${waited} ms`);
        // A request that needs no session is not held up by the store at all.
        const fresh = await httpRequest(app.port, '/visits');
        assert.equal(fresh.status, 503, 'a new session cannot be saved either');

        redis = await startRedis(port);
        let back = await httpRequest(app.port, '/visits', { headers: { cookie: jar.header() } });
        for (let tries = 0; back.status !== 200 && tries < 50; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          back = await httpRequest(app.port, '/visits', { headers: { cookie: jar.header() } });
        }
        assert.equal(back.status, 200, back.body);
        // The restarted Redis kept nothing (no persistence in tests): a new session, counted from 1.
        assert.deepEqual(JSON.parse(back.body), { visits: 1 });
      } finally {
        await app.close();
      }
    });
  }

  it('signet/fetch: ready() rejects with StoreUnavailable (statusCode 503) when the client cannot reach Redis', async () => {
    const unconnected = createClient({ url: 'redis://127.0.0.1:1' }); // never connected: every command fails at once
    const sessions = fetchSessions({ secret: SECRET, store: new RedisStore(unconnected, { timeout: DEADLINE_MS }) });
    const ids = new SessionIds({ secret: SECRET });
    const { ready } = sessions.open(new Request('http://localhost/', { headers: { cookie: `session=${ids.cookieValue(ids.create())}` } }));
    await assert.rejects(ready() ?? Promise.resolve(), (error: unknown) => error instanceof StoreUnavailable && (error as { statusCode: number }).statusCode === 503);
  });

  it("with whenUnavailable: { allowStale }, keeps serving a logged-in cookie session on its user's last known generation while Redis is down, and refuses one it never read", async () => {
    const store = new RedisStore(client as Client, { timeout: DEADLINE_MS, onError: (error) => warnings.push(error) });
    const revocation = new Revocation({ generations: store, staleness: 0, whenUnavailable: { allowStale: 60 } });
    const app = Fastify({ logger: false });
    await app.register(fastifySession, { secret: SECRET, revocation });
    app.get('/login/:user', (request) => {
      request.session.set('_user_id', (request.params as { user: string }).user);
      return { ok: true };
    });
    app.get('/me', (request) => ({ user: request.session.get('_user_id') ?? null }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    try {
      const known = new CookieJar();
      known.store(await httpRequest(port, '/login/ada'));
      assert.deepEqual(JSON.parse((await httpRequest(port, '/me', { headers: { cookie: known.header() } })).body), { user: 'ada' });
      // Logged in elsewhere, so this process never read the user's generation.
      const unseen = await cookieFromElsewhere(SECRET, 'lin');

      const redisPort = (redis as RedisProcess).port;
      await (redis as RedisProcess).stop();
      const served = await httpRequest(port, '/me', { headers: { cookie: known.header() } });
      assert.equal(served.status, 200, served.body);
      assert.deepEqual(JSON.parse(served.body), { user: 'ada' });
      const refused = await httpRequest(port, '/me', { headers: { cookie: unseen } });
      assert.equal(refused.status, 503, refused.body);
      redis = await startRedis(redisPort);
    } finally {
      await app.close();
    }
  });

  it('never loses an acknowledged write: with an append-only Redis, the answered counts survive a crash, and a write Redis never answered is a 503, not a 200', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-redis-aof-'));
    let durable = await startRedis(undefined, { appendOnlyDir: dir });
    const durableClient = createClient({ url: durable.url, socket: { reconnectStrategy: () => 100 } });
    durableClient.on('error', () => undefined);
    await durableClient.connect();
    const store = new RedisStore(durableClient, { timeout: DEADLINE_MS });
    const app = Fastify({ logger: false });
    await app.register(fastifySession, { secret: SECRET, store });
    app.get('/visits', (request) => visits(request.session));
    app.get('/crash-then-count', async (request) => {
      await durable.kill(); // Redis dies after the load, before the save
      return visits(request.session);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    try {
      const jar = new CookieJar();
      for (let expected = 1; expected <= 3; expected++) {
        const answer = await httpRequest(port, '/visits', { headers: { cookie: jar.header() } });
        assert.deepEqual(JSON.parse(answer.body), { visits: expected });
        jar.store(answer);
      }
      const crashed = await httpRequest(port, '/crash-then-count', { headers: { cookie: jar.header() } });
      assert.equal(crashed.status, 503, 'the fourth count was never acknowledged');
      durable = await startRedis(durable.port, { appendOnlyDir: dir });
      let back = await httpRequest(port, '/visits', { headers: { cookie: jar.header() } });
      for (let tries = 0; back.status !== 200 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        back = await httpRequest(port, '/visits', { headers: { cookie: jar.header() } });
      }
      assert.deepEqual(JSON.parse(back.body), { visits: 4 }, 'the three answered counts were kept, the unanswered one was not');
    } finally {
      await app.close();
      durableClient.destroy();
      await durable.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells onError of the outage instead of letting the client\'s error event end the process', () => {
    assert.ok(warnings.length > 0);
  });
});
