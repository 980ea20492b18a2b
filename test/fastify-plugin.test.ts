/**
 * The Fastify plugin (src/fastify.ts) in a small app of its own, over real HTTP:
 * sessions across requests with a cookie jar, no cookie and no Vary for routes that
 * never touch the session, merging with the route's own Vary and Set-Cookie headers,
 * onRejected, the size budget's default answer, and Secure behind a trusted proxy.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { CookieSessions, signetSession, type SignetSessionOptions } from 'signet-session/fastify';
import type { BadData } from 'signet-session';
import { CookieJar, cookieValue, httpRequest, setCookieFor, setCookiesOf } from './support/http-client.js';
import { referenceOpen, readPlaintext } from './support/sealed-reference.js';

const SECRET = 'a fastify test secret, 32 bytes+!';
const NOW_MS = 1_700_000_000_000;

const started: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of started.splice(0)) await app.close();
});

interface Setup {
  readonly plugin?: Partial<SignetSessionOptions>;
  readonly trustProxy?: boolean;
  readonly routes?: (app: FastifyInstance) => void;
}

/** A Fastify app with the plugin and the test's routes, listening on a free port. */
async function startApp(setup: Setup = {}): Promise<number> {
  const app = Fastify({ logger: false, ...(setup.trustProxy === undefined ? {} : { trustProxy: setup.trustProxy }) });
  await app.register(signetSession, { secret: SECRET, clock: () => NOW_MS, ...setup.plugin } as SignetSessionOptions);
  app.get('/count', (request) => {
    const stored: unknown = request.session.get('count'); // typed or not by a SessionData declaration
    const count = typeof stored === 'number' ? stored : 0;
    request.session.set('count', count + 1);
    return { count: count + 1 };
  });
  app.get('/plain', () => ({ plain: true }));
  app.get('/read', (request) => ({ count: request.session.get('count') ?? null }));
  setup.routes?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  started.push(app);
  return (app.server.address() as AddressInfo).port;
}

describe('signetSession over HTTP', () => {
  it('keeps a counter across requests with a cookie jar, as a sealed HttpOnly, SameSite=Lax cookie', async () => {
    const port = await startApp();
    const jar = new CookieJar();
    for (const expected of [1, 2, 3]) {
      const answer = await httpRequest(port, '/count', { headers: { cookie: jar.header() } });
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.body), { count: expected });
      assert.equal(answer.headers.vary, 'Cookie');
      const header = setCookieFor(answer, 'session');
      assert.match(header ?? '', /^session=S2\.[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
      jar.store(answer);
    }
    const stored = readPlaintext(referenceOpen(jar.get('session') ?? '', SECRET, 'session'));
    assert.deepEqual(stored.data, { count: 3 });
    // Reading only: Vary, but no new cookie.
    const read = await httpRequest(port, '/read', { headers: { cookie: jar.header() } });
    assert.deepEqual(JSON.parse(read.body), { count: 3 });
    assert.equal(read.headers.vary, 'Cookie');
    assert.deepEqual(setCookiesOf(read), []);
  });

  it('saves a session used by a global onRequest hook that answers before the route runs, once', async () => {
    const port = await startApp({
      routes: (app) => {
        app.addHook('onRequest', (request, reply, done) => {
          if (request.url !== '/gate') {
            done();
            return;
          }
          request.session.set('seen', true);
          void reply.code(401).send({ error: 'stopped at the gate' });
        });
        app.get('/gate', () => ({ reached: true }));
      },
    });
    const answer = await httpRequest(port, '/gate');
    assert.equal(answer.status, 401);
    assert.deepEqual(JSON.parse(answer.body), { error: 'stopped at the gate' });
    assert.equal(answer.headers.vary, 'Cookie');
    const sessions = setCookiesOf(answer).filter((header) => header.startsWith('session='));
    assert.equal(sessions.length, 1, 'one session cookie');
    assert.deepEqual(readPlaintext(referenceOpen(cookieValue(sessions[0] ?? ''), SECRET, 'session')).data, { seen: true });
  });

  it('adds no Set-Cookie and no Vary on a route that never touches request.session, whatever cookie comes in', async () => {
    const rejected: string[] = [];
    const port = await startApp({ plugin: { onRejected: (_request, reason) => rejected.push(reason.reason) } });
    const jar = new CookieJar().store(await httpRequest(port, '/count'));
    for (const cookie of [undefined, jar.header(), 'session=garbage']) {
      const answer = await httpRequest(port, '/plain', { headers: cookie === undefined ? {} : { cookie } });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['set-cookie'], undefined, `cookie ${String(cookie)}`);
      assert.equal(answer.headers.vary, undefined, `cookie ${String(cookie)}`);
    }
    assert.deepEqual(rejected, [], 'an unopened session judges no cookie');
  });

  it("merges Vary with the route's own Vary header, once", async () => {
    const port = await startApp({
      routes: (app) => {
        app.get('/vary', (request, reply) => {
          void reply.header('vary', 'Accept-Encoding');
          return { count: request.session.get('count') ?? null };
        });
        app.get('/vary-cookie', (request, reply) => {
          void reply.header('vary', 'Origin, cookie');
          return { count: request.session.get('count') ?? null };
        });
      },
    });
    assert.equal((await httpRequest(port, '/vary')).headers.vary, 'Accept-Encoding, Cookie');
    assert.equal((await httpRequest(port, '/vary-cookie')).headers.vary, 'Origin, cookie');
  });

  it("adds the session cookie after the route's own Set-Cookie headers", async () => {
    const port = await startApp({
      routes: (app) => {
        app.get('/cookies', (request, reply) => {
          void reply.header('set-cookie', 'theme=dark; Path=/');
          void reply.header('set-cookie', ['lang=en; Path=/', 'tz=UTC; Path=/']);
          request.session.set('user', 'ada');
          return { ok: true };
        });
      },
    });
    const answer = await httpRequest(port, '/cookies');
    const names = setCookiesOf(answer).map((header) => header.slice(0, header.indexOf('=')));
    assert.deepEqual(names, ['theme', 'lang', 'tz', 'session']);
    assert.deepEqual(readPlaintext(referenceOpen(cookieValue(setCookieFor(answer, 'session') ?? ''), SECRET, 'session')).data, { user: 'ada' });
  });

  it('calls onRejected once with the reason for a tampered cookie, and serves a fresh session', async () => {
    const calls: { url: string; reason: BadData }[] = [];
    const port = await startApp({
      plugin: {
        onRejected: (request: FastifyRequest, reason: BadData) => {
          calls.push({ url: request.url, reason });
        },
      },
      routes: (app) => {
        app.get('/twice', (request) => {
          request.session.get('count');
          return { same: request.session === request.session, count: request.session.get('count') ?? null };
        });
      },
    });
    const jar = new CookieJar().store(await httpRequest(port, '/count'));
    const value = jar.get('session') ?? '';
    const last = value.at(-2) === 'A' ? 'B' : 'A';
    const tampered = value.slice(0, -2) + last + value.slice(-1);
    const answer = await httpRequest(port, '/twice', { headers: { cookie: `session=${tampered}` } });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { same: true, count: null });
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.ok(call);
    assert.equal(call.url, '/twice');
    assert.equal(call.reason.reason, 'decrypt-failed');
  });

  /** GET /big stores 300 bytes: more than the 200-byte budget these tests set. */
  const bigSessionRoute = (app: FastifyInstance): void => {
    app.get('/big', (request) => {
      request.session.set('blob', 'x'.repeat(300));
      return { saved: true };
    });
  };

  it('answers a session too large for its cookie with a 500 JSON error by default, and no session cookie', async () => {
    const port = await startApp({
      plugin: { maxCookieSize: 200 },
      routes: bigSessionRoute,
    });
    const answer = await httpRequest(port, '/big');
    assert.equal(answer.status, 500);
    assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
    const body = JSON.parse(answer.body) as { error: string };
    assert.match(body.error, /The session cookie would be \d+ bytes with its attributes, over the 200-byte limit/);
    assert.equal(setCookieFor(answer, 'session'), undefined);
    assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.body)));
  });

  it('uses onCookieTooLarge when given', async () => {
    const port = await startApp({
      plugin: {
        maxCookieSize: 200,
        onCookieTooLarge: (_request, reply, error) => {
          void reply.code(413).header('content-type', 'text/plain');
          return `too large: ${error.size} > ${error.limit}`;
        },
      },
      routes: bigSessionRoute,
    });
    const answer = await httpRequest(port, '/big');
    assert.equal(answer.status, 413);
    assert.match(answer.body, /^too large: \d+ > 200$/);
  });

  it("sets Secure with secure 'auto' when a trusted proxy says X-Forwarded-Proto: https, and not when the proxy is not trusted", async () => {
    const trusted = await startApp({ trustProxy: true });
    const viaProxy = await httpRequest(trusted, '/count', { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(setCookieFor(viaProxy, 'session') ?? '', /; Secure; HttpOnly; Path=\/; SameSite=Lax$/);
    const plainHttp = await httpRequest(trusted, '/count');
    assert.doesNotMatch(setCookieFor(plainHttp, 'session') ?? '', /Secure/);

    const untrusted = await startApp({});
    const spoofed = await httpRequest(untrusted, '/count', { headers: { 'x-forwarded-proto': 'https' } });
    assert.ok(setCookieFor(spoofed, 'session') !== undefined);
    assert.doesNotMatch(setCookieFor(spoofed, 'session') ?? '', /Secure/);
  });

  it('takes a ready CookieSessions instance, in the Flask format', async () => {
    const sessions = new CookieSessions({ secret: SECRET, format: 'flask', clock: () => NOW_MS, cookie: { name: 'sid', sameSite: false } });
    const rejected: string[] = [];
    const port = await startApp({ plugin: { sessions, onRejected: (_request, reason) => rejected.push(reason.reason) } as Partial<SignetSessionOptions> });
    const jar = new CookieJar();
    jar.store(await httpRequest(port, '/count'));
    const answer = await httpRequest(port, '/count', { headers: { cookie: jar.header() } });
    assert.deepEqual(JSON.parse(answer.body), { count: 2 });
    assert.match(setCookieFor(answer, 'sid') ?? '', /^sid=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; Path=\/$/);
    await httpRequest(port, '/count', { headers: { cookie: 'sid=eyJ4IjoxfQ.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    assert.deepEqual(rejected, ['signature-mismatch']);
  });

  it('deletes the cookie when a route empties the session', async () => {
    const port = await startApp({
      routes: (app) => {
        app.get('/logout', (request) => {
          request.session.clear();
          return { out: true };
        });
      },
    });
    const jar = new CookieJar().store(await httpRequest(port, '/count'));
    const answer = await httpRequest(port, '/logout', { headers: { cookie: jar.header() } });
    assert.equal(setCookieFor(answer, 'session'), 'session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax');
    assert.equal(answer.headers.vary, 'Cookie');
  });
});
