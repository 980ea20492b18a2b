/**
 * The README's code examples are the files in examples/, word for word, and each one
 * runs: a visit counter in a sealed session cookie, on every framework, over real HTTP.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { CookieJar, httpRequest, setCookieFor } from './support/http-client.js';
import { startRedis, type RedisProcess } from './support/redis-server.js';

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
const EXAMPLES = ['fastify', 'express', 'hono', 'fetch', 'core', 'redis'] as const;
const SECRET = 'an example key of thirty-two or more characters';

describe('The README examples', () => {
  it('shows each file of examples/ whole, in a TypeScript block', () => {
    const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    for (const name of EXAMPLES) {
      const source = readFileSync(new URL(`examples/${name}.ts`, ROOT), 'utf8');
      assert.ok(blocks.includes(source), `README.md shows examples/${name}.ts as it is`);
    }
  });

  const servers: Array<() => Promise<void>> = [];
  const ports = new Map<string, number>();
  before(async () => {
    process.env.SECRET_KEY = SECRET; // what the examples read, as an app would
    const fastify = (await import('../examples/fastify.js')).app;
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    servers.push(() => fastify.close());
    ports.set('fastify', (fastify.server.address() as AddressInfo).port);

    const express = (await import('../examples/express.js')).app;
    const expressServer = express.listen(0, '127.0.0.1');
    await once(expressServer, 'listening');
    servers.push(() => new Promise((resolve) => expressServer.close(() => { resolve(); })));
    ports.set('express', (expressServer.address() as AddressInfo).port);

    const hono = (await import('../examples/hono.js')).app;
    const { GET } = await import('../examples/fetch.js');
    for (const [name, fetch] of [['hono', hono.fetch], ['fetch', GET]] as const) {
      const server: ServerType = serve({ fetch, port: 0, hostname: '127.0.0.1' });
      await once(server, 'listening');
      servers.push(() => new Promise((resolve) => server.close(() => { resolve(); })));
      ports.set(name, (server.address() as AddressInfo).port);
    }
  });
  let redis: RedisProcess | undefined;
  before(async () => {
    redis = await startRedis();
    process.env.REDIS_URL = redis.url;
    const app = (await import('../examples/redis.js')).app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(() => app.close());
    ports.set('redis', (app.server.address() as AddressInfo).port);
  });
  after(async () => {
    for (const close of servers) await close();
    await redis?.stop();
  });

  it('runs the Redis example: the count goes up in Redis, and the cookie holds only a signed id', async () => {
    const port = ports.get('redis') ?? 0;
    const jar = new CookieJar();
    for (const visits of [1, 2, 3]) {
      const answer = await httpRequest(port, '/visits', { headers: { cookie: jar.header() } });
      assert.deepEqual(JSON.parse(answer.body), { visits });
      jar.store(answer);
    }
    assert.match(jar.get('session') ?? '', /^[\w-]{8}\.[\w-]{43}\.[\w-]{27}$/);
  });

  for (const name of ['fastify', 'express', 'hono', 'fetch'] as const) {
    it(`runs the ${name} example: the count goes up in a sealed, HttpOnly, SameSite=Lax cookie`, async () => {
      const port = ports.get(name) ?? 0;
      const jar = new CookieJar();
      for (const visits of [1, 2, 3]) {
        const answer = await httpRequest(port, '/visits', { headers: { cookie: jar.header() } });
        assert.equal(answer.status, 200);
        assert.deepEqual(JSON.parse(answer.body), { visits });
        assert.match(setCookieFor(answer, 'session') ?? '', /^session=S2\.[\w-]+\.[\w-]+; HttpOnly; Path=\/; SameSite=Lax$/);
        assert.equal(answer.headers.vary, 'Cookie');
        jar.store(answer);
      }
    });
  }

  it('runs the framework-free example: open, count, save', async () => {
    const { visit } = await import('../examples/core.js');
    const first = visit(undefined, true);
    assert.equal(first.visits, 1);
    assert.match(first.setCookie ?? '', /^session=S2\..*; Secure; HttpOnly; Path=\/; SameSite=Lax$/);
    const value = (first.setCookie ?? '').split(';')[0]?.slice('session='.length);
    assert.equal(visit(value, true).visits, 2);
  });

  it('stops an example whose SECRET_KEY is unset with a message that names the option, not a TypeError from inside', async () => {
    const example = fileURLToPath(new URL('../examples/express.js', import.meta.url));
    const child = spawn(process.execPath, [example], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.notEqual(code, 0);
    assert.match(stderr, /TypeError: secret is invalid: undefined \(give the key as text or bytes, 32 random bytes or more; if it comes from an environment variable such as SECRET_KEY, that variable is not set\)/);
    assert.doesNotMatch(stderr, /Cannot read properties/);
  });
});
