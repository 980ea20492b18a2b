/**
 * One conformance suite for the four adapters (signet/fastify, signet/express,
 * signet/hono, signet/fetch), each serving the same routes over real HTTP on
 * 127.0.0.1. Every rule below runs once per adapter: cookie attributes byte for byte
 * (against Flask's own signer, and against the core for the sealed format), Vary, the
 * untouched session, flashes, key rotation, both timeouts, the size budget, tampering,
 * HEAD, Secure `auto` behind a trusted proxy, and the lifecycle: late writes saved,
 * writes after the save refused, configuration errors through each framework's own
 * start-up path. Then: one SessionData declaration types every adapter, and the
 * library root loads no framework.
 *
 * Each adapter is a small factory over a common route vocabulary (ROUTES), plus its own
 * way of writing late (LATE), in an error handler, and after the cookie was saved.
 *
 * Hono and fetch are served by @hono/node-server 2: its 1.x Response drops headers
 * added to a finished Response once anything copies it (`new Response(body, res)`, as
 * Hono does for HEAD and hono/compress does always), so the session cookie is lost
 * there (honojs/node-server#304); the HEAD test fails on 1.x.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import express, { type ErrorRequestHandler, type Request as ExpressRequest, type Response as ExpressResponse } from 'express';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Hono, type Context } from 'hono';
import { CookieSessions, type SessionOptions } from 'signet-session/core/cookie-sessions';
import type { BadData, CookieTooLarge } from 'signet-session/core/errors';
import { Markup, type PyDict } from 'signet-session/core/python-types';
import { Session } from 'signet-session/core/session';
import { setMemosEnabled } from 'signet-session/core/memo';
import { SessionIds } from 'signet-session/core/session-id';
import { MemoryStore, type SessionStore } from 'signet-session/core/store';
import { Revocation } from 'signet-session/core/revocation';
import { RedisStore } from 'signet-session/redis';
import { useRedisClient } from './support/redis-server.js';
import { requestCookies as expressCookies, signetSession as expressSession } from 'signet-session/express';
import { requestCookies as fastifyCookies, signetSession as fastifySession, type SignetSessionOptions } from 'signet-session/fastify';
import { fetchSessions, type FetchSession } from 'signet-session/fetch';
import { requestCookies as honoCookies, signetSession as honoSession, type SessionEnv } from 'signet-session/hono';
import type { SessionData } from 'signet-session/core/engine';
import { CookieJar, cookieValue, httpRequest, setCookieFor, setCookiesOf, type Answer } from './support/http-client.js';
import { flaskSign } from './support/flask-tools.js';

// One declaration, for every adapter (checked at compile time below).
declare module 'signet-session/core/engine' {
  interface SessionData {
    count?: number;
  }
}

const SECRET = 'the conformance suite secret, 32+ bytes long';
const OLD_SECRET = 'an older conformance secret, 32+ bytes long';
const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
/** What Flask writes to delete a session cookie with the default attributes. */
const CLEARED = 'session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax';

// ---------------------------------------------------------------------------------
// The common route vocabulary, framework-neutral.

/** About 5000 characters that zlib cannot shrink under the 4093-byte budget (the Flask format compresses). */
const INCOMPRESSIBLE = Array.from({ length: 112 }, (_, i) => createHash('sha256').update(String(i)).digest('base64')).join('');

interface Reply {
  readonly status?: number;
  readonly json: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}
/** `cookies` is the adapter's own reading of the request's cookies (requestCookies, or FetchSession's cookies). */
type Route = (session: Session<SessionData>, query: URLSearchParams, cookies: () => ReadonlyMap<string, string>) => Reply;

const ROUTES: Readonly<Record<string, Route>> = {
  '/count': (session) => {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return { json: { count } };
  },
  '/read': (session) => ({ json: { count: session.get('count') ?? null } }),
  '/dump': (session) => ({ json: Object.fromEntries(session.keys().map((key) => [key, session.get(key) ?? null])) }),
  '/untouched': () => ({ json: { untouched: true } }),
  // Read twice, and once after the session: one reading per request gives one map.
  '/cookies': (session, _query, cookies) => {
    const first = cookies();
    const count = session.get('count') ?? null;
    return { json: { cookies: [...first], count, oneReading: first === cookies() } };
  },
  '/login': (session, query) => {
    session.set('_user_id', query.get('u') ?? 'ada');
    return { json: { login: true } };
  },
  '/flash': (session, query) => {
    const message = query.get('m') ?? '';
    session.flash(query.has('markup') ? new Markup(message) : message, query.get('c') ?? undefined);
    return { json: { flashed: true } };
  },
  '/flashes': (session) => ({
    json: session.takeFlashes().map((flash) => ({ category: flash.category, message: String(flash.message), markup: flash.message instanceof Markup })),
  }),
  '/permanent': (session) => {
    session.permanent = true;
    session.set('count', 1);
    return { json: { permanent: true } };
  },
  '/big': (session) => {
    session.set('big', INCOMPRESSIBLE);
    return { json: { big: true } };
  },
  '/clear': (session) => {
    session.clear();
    return { json: { cleared: true } };
  },
  '/vary': (session) => ({ json: { count: session.get('count') ?? null }, headers: { vary: 'Accept-Encoding' } }),
  '/vary-untouched': () => ({ json: { untouched: true }, headers: { vary: 'Accept-Encoding' } }),
  // The adapter-specific stage after this one writes `late`, or tries to write `after`.
  '/late': () => ({ json: { late: 'pending' } }),
  '/after': (session) => ({ json: { count: session.get('count') ?? null } }),
};

/** Written by each adapter's latest stage before the answer goes out. */
const LATE_VALUE = 'late';
/** Written by each adapter's error handler, for GET /late-error (whose handler throws). */
const ERROR_VALUE = 'error handler';

const queryOf = (url: string): URLSearchParams => new URL(url, 'http://localhost').searchParams;

// ---------------------------------------------------------------------------------
// The adapters.

interface AppSetup {
  /** Over the base options: the secret, the Flask format, the test's clock. */
  readonly session?: Partial<SessionOptions<SessionData>>;
  /** Trust the proxy's X-Forwarded-Proto, by the framework's own mechanism. */
  readonly trustProxy?: boolean;
  readonly onRejected?: (reason: BadData) => void;
  /** Answer a too-large session with {@link customTooLarge} instead of the default. */
  readonly customTooLarge?: boolean;
}

interface Running {
  readonly port: number;
  /** What each write made after the cookie was saved threw (GET /after). */
  readonly afterWrites: unknown[];
}

interface Adapter {
  readonly name: string;
  /** Where this adapter's LATE write happens, for the test's name. */
  readonly late: string;
  /** Where this adapter's write after the save happens, for the test's name. */
  readonly afterSave: string;
  /** How a configuration error reaches the caller, for the test's name. */
  readonly startup: string;
  start(setup: AppSetup, afterWrites: unknown[]): Promise<{ readonly port: number; readonly close: () => Promise<void> }>;
  /** The error a configuration gives through the framework's start-up path; fails if there is none. */
  startupError(options: unknown): Promise<unknown>;
}

/** The app's own answer to a too-large session, the same on every adapter. */
const customTooLarge = (error: CookieTooLarge, clearCookie: string | undefined): { status: number; body: string; headers: Record<string, string> } => ({
  status: 413,
  body: JSON.stringify({ tooLarge: error.size > error.limit, cleared: clearCookie !== undefined }),
  headers: { 'content-type': 'application/json', 'x-too-large': 'custom' },
});

const baseOptions = (setup: AppSetup, clock: () => number): SessionOptions<SessionData> => ({
  secret: SECRET,
  format: 'flask',
  clock,
  warn: () => undefined,
  ...setup.session,
});

/** The test's clock, shared by the apps of one test. */
const clock = { now: NOW_MS };
const testClock = (): number => clock.now;

function record(afterWrites: unknown[], write: () => void): void {
  try {
    write();
    afterWrites.push('no error');
  } catch (error) {
    afterWrites.push(error);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => {
      if (error === undefined) resolve();
      else reject(error);
    });
    server.closeAllConnections();
  });
}

async function portOf(server: Server): Promise<number> {
  if (!server.listening) await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const fastifyAdapter: Adapter = {
  name: 'signet/fastify',
  late: 'in an onSend hook the app registered after the plugin',
  afterSave: 'in an onResponse hook',
  startup: 'register() and ready() reject',
  async start(setup, afterWrites) {
    const app = Fastify({ logger: false, trustProxy: setup.trustProxy === true });
    const { onRejected } = setup;
    const options: SignetSessionOptions = {
      ...baseOptions(setup, testClock),
      ...(onRejected === undefined ? {} : { onRejected: (_request: FastifyRequest, reason: BadData) => { onRejected(reason); } }),
      ...(setup.customTooLarge === true
        ? {
            onCookieTooLarge: (_request: FastifyRequest, reply: FastifyReply, error: CookieTooLarge, clearCookie: string | undefined) => {
              const answer = customTooLarge(error, clearCookie);
              void reply.code(answer.status).headers(answer.headers);
              return answer.body;
            },
          }
        : {}),
    };
    await app.register(fastifySession, options);
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.routeOptions.url === '/late') request.session.set('late', LATE_VALUE);
      done(null, payload);
    });
    app.addHook('onResponse', (request, _reply, done) => {
      if (request.routeOptions.url === '/after') record(afterWrites, () => request.session.set('after', true));
      done();
    });
    for (const [path, route] of Object.entries(ROUTES)) {
      app.get(path, (request, reply) => {
        const answer = route(request.session, queryOf(request.url), () => fastifyCookies(request));
        void reply.code(answer.status ?? 200).headers(answer.headers ?? {}).type('application/json');
        return JSON.stringify(answer.json);
      });
    }
    app.get('/late-error', () => {
      throw new Error('boom');
    });
    app.setErrorHandler((error, request, reply) => {
      request.session.set('late', ERROR_VALUE);
      void reply.code(500).type('application/json');
      return JSON.stringify({ error: error instanceof Error ? error.message : String(error) });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
  async startupError(options) {
    const app = Fastify({ logger: false });
    let registered: unknown;
    try {
      await app.register(fastifySession, options as SignetSessionOptions);
    } catch (error) {
      registered = error;
    }
    assert.ok(registered !== undefined, 'register() resolved');
    // And without awaiting register(): ready() rejects with the same error.
    const other = Fastify({ logger: false });
    void other.register(fastifySession, options as SignetSessionOptions);
    let readied: unknown;
    try {
      await other.ready();
    } catch (error) {
      readied = error;
    }
    assert.ok(readied !== undefined, 'ready() resolved');
    assert.equal((readied as Error).message, (registered as Error).message);
    return registered;
  },
};

const expressAdapter: Adapter = {
  name: 'signet/express',
  late: 'in a later middleware, after res.status() and an await, just before res.json()',
  afterSave: "in res.on('finish')",
  startup: 'the middleware factory throws',
  async start(setup, afterWrites) {
    const app = express();
    if (setup.trustProxy === true) app.set('trust proxy', true);
    const { onRejected } = setup;
    app.use(
      expressSession({
        ...baseOptions(setup, testClock),
        ...(onRejected === undefined ? {} : { onRejected: (_req: ExpressRequest, reason: BadData) => { onRejected(reason); } }),
        ...(setup.customTooLarge === true ? { onCookieTooLarge: (_req: ExpressRequest, error: CookieTooLarge, clearCookie: string | undefined) => customTooLarge(error, clearCookie) } : {}),
      }),
    );
    const send = (res: ExpressResponse, answer: Reply): void => {
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      res.status(answer.status ?? 200).type('application/json').send(JSON.stringify(answer.json));
    };
    app.get(
      '/late',
      (_req, res, next) => {
        res.status(200);
        next();
      },
      (req, res) => {
        setImmediate(() => {
          const answer = ROUTES['/late']?.(req.session, queryOf(req.originalUrl), () => expressCookies(req));
          req.session.set('late', LATE_VALUE);
          if (answer !== undefined) send(res, answer);
        });
      },
    );
    app.get('/after', (req, res) => {
      res.on('finish', () => { record(afterWrites, () => req.session.set('after', true)); });
      const answer = ROUTES['/after']?.(req.session, queryOf(req.originalUrl), () => expressCookies(req));
      if (answer !== undefined) send(res, answer);
    });
    for (const [path, route] of Object.entries(ROUTES)) {
      if (path === '/late' || path === '/after') continue; // above
      app.get(path, (req, res) => { send(res, route(req.session, queryOf(req.originalUrl), () => expressCookies(req))); });
    }
    app.get('/late-error', () => {
      throw new Error('boom');
    });
    const onError: ErrorRequestHandler = (error, req, res, next) => {
      if (res.headersSent) {
        next(error);
        return;
      }
      req.session.set('late', ERROR_VALUE);
      send(res, { status: 500, json: { error: error instanceof Error ? error.message : String(error) } });
    };
    app.use(onError);
    const server = app.listen(0, '127.0.0.1');
    return { port: await portOf(server), close: () => closeServer(server) };
  },
  startupError(options) {
    return Promise.resolve(thrownBy(() => expressSession(options as Parameters<typeof expressSession>[0])));
  },
};

const honoAdapter: Adapter = {
  name: 'signet/hono',
  late: 'in a middleware registered after signetSession, after await next()',
  afterSave: 'in a middleware registered before signetSession, after await next()',
  startup: 'the middleware factory throws',
  async start(setup, afterWrites) {
    const app = new Hono<SessionEnv>();
    app.use('/after', async (c, next) => {
      await next();
      record(afterWrites, () => c.var.session.set('after', true));
    });
    const { onRejected } = setup;
    app.use(
      honoSession({
        ...baseOptions(setup, testClock),
        trustProxy: setup.trustProxy === true,
        ...(onRejected === undefined ? {} : { onRejected: (_c: Context, reason: BadData) => { onRejected(reason); } }),
        ...(setup.customTooLarge === true
          ? {
              onCookieTooLarge: (_c: Context, error: CookieTooLarge, clearCookie: string | undefined) => {
                const answer = customTooLarge(error, clearCookie);
                return new Response(answer.body, { status: answer.status, headers: answer.headers });
              },
            }
          : {}),
      }),
    );
    app.use('/late', async (c, next) => {
      await next();
      c.var.session.set('late', LATE_VALUE);
    });
    for (const [path, route] of Object.entries(ROUTES)) {
      app.get(path, (c) => {
        const answer = route(c.var.session, queryOf(c.req.url), () => honoCookies(c));
        return c.body(JSON.stringify(answer.json), answer.status === 500 ? 500 : 200, { 'content-type': 'application/json', ...answer.headers });
      });
    }
    app.get('/late-error', () => {
      throw new Error('boom');
    });
    app.onError((error, c) => {
      c.var.session.set('late', ERROR_VALUE);
      return c.body(JSON.stringify({ error: error.message }), 500, { 'content-type': 'application/json' });
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    return { port: await portOf(server), close: () => closeServer(server) };
  },
  startupError(options) {
    return Promise.resolve(thrownBy(() => honoSession(options as Parameters<typeof honoSession>[0])));
  },
};

const fetchAdapter: Adapter = {
  name: 'signet/fetch',
  late: 'after the Response was made, before apply()',
  afterSave: 'after apply()',
  startup: 'fetchSessions() throws',
  async start(setup, afterWrites) {
    const { onRejected } = setup;
    const sessions = fetchSessions({
      ...baseOptions(setup, testClock),
      trustProxy: setup.trustProxy === true,
      ...(onRejected === undefined ? {} : { onRejected: (_request: Request, reason: BadData) => { onRejected(reason); } }),
      ...(setup.customTooLarge === true
        ? {
            onCookieTooLarge: (_request: Request, error: CookieTooLarge, clearCookie: string | undefined) => {
              const answer = customTooLarge(error, clearCookie);
              return new Response(answer.body, { status: answer.status, headers: answer.headers });
            },
          }
        : {}),
    });
    const toResponse = (answer: Reply): Response =>
      new Response(JSON.stringify(answer.json), { status: answer.status ?? 200, headers: { 'content-type': 'application/json', ...answer.headers } });
    // A handler over Request and Response, as a Next.js route handler would be.
    const handler = async (request: Request): Promise<Response> => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
      const opened = sessions.open(request);
      const { session, ready, apply } = opened;
      await ready();
      const url = new URL(request.url);
      let response: Response;
      try {
        if (url.pathname === '/late-error') throw new Error('boom');
        const route = ROUTES[url.pathname];
        response = route === undefined ? new Response('not found', { status: 404 }) : toResponse(route(session, url.searchParams, () => opened.cookies));
      } catch (error) {
        session.set('late', ERROR_VALUE);
        response = toResponse({ status: 500, json: { error: error instanceof Error ? error.message : String(error) } });
      }
      if (url.pathname === '/late') session.set('late', LATE_VALUE);
      const answer = await Promise.resolve(apply(response) as Response | Promise<Response>); // a promise with a store
      if (url.pathname === '/after') record(afterWrites, () => session.set('after', true));
      // The usual HEAD idiom, a copy of the answer without its body: the session's headers must survive it.
      return request.method === 'HEAD' ? new Response(null, answer) : answer;
    };
    const server = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as Server;
    return { port: await portOf(server), close: () => closeServer(server) };
  },
  startupError(options) {
    return Promise.resolve(thrownBy(() => fetchSessions(options as Parameters<typeof fetchSessions>[0])));
  },
};

const ADAPTERS: readonly Adapter[] = [fastifyAdapter, expressAdapter, honoAdapter, fetchAdapter];

/** What a factory throws, synchronously; fails the test if it returns instead. */
function thrownBy(factory: () => unknown): unknown {
  try {
    factory();
  } catch (error) {
    return error;
  }
  assert.fail('the factory returned instead of throwing');
}

// ---------------------------------------------------------------------------------
// Helpers.

/** A cookie value written by the core itself (not by an adapter), for requests. */
function mint(data: PyDict, options: Partial<SessionOptions> = {}): string {
  const sessions = new CookieSessions({ secret: SECRET, format: 'flask', clock: () => NOW_MS, warn: () => undefined, ...options });
  const session = new Session();
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  const header = sessions.save(session).setCookie;
  assert.ok(header !== undefined);
  return cookieValue(header);
}

/** The data in a cookie, as the core reads it with these options (no fallbacks unless given). */
function openCookie(value: string, options: Partial<SessionOptions> = {}): { data: PyDict; rejected?: string } {
  const sessions = new CookieSessions({ secret: SECRET, format: 'flask', clock: testClock, warn: () => undefined, ...options });
  const opened = sessions.open(value);
  return { data: opened.session.toDict(), ...(opened.rejected === undefined ? {} : { rejected: opened.rejected.reason }) };
}

function tamper(value: string): string {
  const at = value.length - 2;
  return value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
}

const json = (answer: Answer): unknown => JSON.parse(answer.body);

/** Waits (bounded) for something done after the answer went out. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Headers that describe the connection or the body's framing, not the answer. A HEAD
 * answer MAY leave out Content-Length (RFC 9110 §8.6), and @hono/node-server does
 * (honojs/node-server#220): that is the framework's business, not the session's.
 */
const FRAMING_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** One real redis-server for the suite's store tests, started on a free port and stopped after. */
const redisClient = useRedisClient();

/** Flask's own cookies for the attribute tests (Flask signs; signet must match). */
let flaskCount = '';
let flaskPermanent = '';
before(() => {
  [flaskCount = '', flaskPermanent = ''] = flaskSign([
    { secret: { text: SECRET }, tagged: '{"count":1}', ts: NOW_S },
    { secret: { text: SECRET }, tagged: '{"_permanent":true,"count":1}', ts: NOW_S },
  ]);
  assert.ok(flaskCount !== '' && flaskPermanent !== '');
});

// ---------------------------------------------------------------------------------
// The suite, once per adapter.

for (const adapter of ADAPTERS) {
  // Each test inherits the timeout: an answer that never comes fails its test, bounded.
  describe(adapter.name, { timeout: 10_000 }, () => {
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      clock.now = NOW_MS;
      for (const close of closers.splice(0)) await close();
    });

    async function start(setup: AppSetup = {}): Promise<Running> {
      const afterWrites: unknown[] = [];
      const { port, close } = await adapter.start(setup, afterWrites);
      closers.push(close);
      return { port, afterWrites };
    }

    const get = (port: number, path: string, jar?: CookieJar, headers: Record<string, string> = {}): Promise<Answer> =>
      httpRequest(port, path, { headers: { ...(jar === undefined || jar.header() === '' ? {} : { cookie: jar.header() }), ...headers } });

    describe('cookie attributes', () => {
      it('writes Domain, Secure, HttpOnly, Path, SameSite and Partitioned as configured, around the very cookie Flask signs', async () => {
        const { port } = await start({ session: { cookie: { domain: 'example.com', path: '/', httpOnly: true, secure: true, sameSite: 'None', partitioned: true } } });
        const answer = await get(port, '/count');
        assert.deepEqual(setCookiesOf(answer), [`session=${flaskCount}; Domain=example.com; Secure; HttpOnly; Path=/; SameSite=None; Partitioned`]);
      });

      it('leaves out HttpOnly, SameSite and Secure when they are turned off, and writes the configured Path and name', async () => {
        const { port } = await start({ session: { cookie: { name: 'sid', path: '/app', httpOnly: false, secure: false, sameSite: false } } });
        const answer = await get(port, '/count');
        assert.deepEqual(setCookiesOf(answer), [`sid=${flaskCount}; Path=/app`]);
      });

      it('gives a permanent session an Expires one lifetime ahead and no Max-Age, as Flask does', async () => {
        const { port } = await start({ session: { permanentLifetime: 3600 } });
        const answer = await get(port, '/permanent');
        const expires = new Date(NOW_MS + 3600 * 1000).toUTCString();
        assert.deepEqual(setCookiesOf(answer), [`session=${flaskPermanent}; Expires=${expires}; HttpOnly; Path=/; SameSite=Lax`]);
      });

      it('seals the same data into the same bytes as the core does, for the same clock and random bytes', async () => {
        const randomBytes = (size: number): Uint8Array => new Uint8Array(size).fill(7);
        const options = { format: 'sealed', randomBytes } as const;
        const { port } = await start({ session: options });
        const answer = await get(port, '/count');
        const reference = new CookieSessions<PyDict>({ secret: SECRET, clock: testClock, warn: () => undefined, ...options });
        const session = new Session();
        session.set('count', 1);
        const expected = reference.save(session).setCookie;
        assert.match(expected ?? '', /^session=S2\./);
        assert.deepEqual(setCookiesOf(answer), [expected]);
      });

      it('deletes the cookie with the attributes it was set with when the session is cleared', async () => {
        const { port } = await start();
        const jar = new CookieJar().store(await get(port, '/count'));
        const answer = await get(port, '/clear', jar);
        assert.deepEqual(setCookiesOf(answer), [CLEARED]);
        assert.equal(answer.headers.vary, 'Cookie');
      });
    });

    describe('request cookies', () => {
      it('gives the app the cookies as Werkzeug reads them, from the one reading the session uses, memos off', async () => {
        setMemosEnabled(false); // a memo would hand back one map for both readings anyway
        try {
          const { port } = await start();
          const session = cookieValue(setCookieFor(await get(port, '/count'), 'session') ?? '');
          const header = `a=1; session=${session}; a=2; mouse=Cookie`;
          const answer = await httpRequest(port, '/cookies', { headers: { cookie: header } });
          assert.deepEqual(JSON.parse(answer.body), { cookies: [['a', '1'], ['session', session], ['mouse', 'Cookie']], count: 1, oneReading: true });
          const none = await get(port, '/cookies');
          assert.deepEqual(JSON.parse(none.body), { cookies: [], count: null, oneReading: true });
        } finally {
          setMemosEnabled(true);
        }
      });
    });

    describe('Vary', () => {
      it('answers Vary: Cookie when the session was read, with no Set-Cookie when nothing changed', async () => {
        const { port } = await start();
        const jar = new CookieJar().store(await get(port, '/count'));
        const answer = await get(port, '/read', jar);
        assert.deepEqual(json(answer), { count: 1 });
        assert.equal(answer.headers.vary, 'Cookie');
        assert.deepEqual(setCookiesOf(answer), []);
      });

      it("adds Cookie to the Vary the app set, once, and leaves the app's Vary alone when the session is untouched", async () => {
        const { port } = await start();
        assert.equal((await get(port, '/vary')).headers.vary, 'Accept-Encoding, Cookie');
        assert.equal((await get(port, '/vary-untouched')).headers.vary, 'Accept-Encoding');
      });

      it('sets no cookie and no Vary when the session is never touched, whatever cookie comes in', async () => {
        const rejected: string[] = [];
        const { port } = await start({ session: { secretFallbacks: [OLD_SECRET], permanentLifetime: 3600, idleTimeout: 600 }, onRejected: (reason) => rejected.push(reason.reason) });
        const cookies = {
          none: undefined,
          valid: mint({ count: 1 }),
          'valid permanent (would be refreshed if used)': mint({ _permanent: true, count: 1 }),
          'under an old key (would be re-issued if used)': mint({ count: 1 }, { secret: OLD_SECRET }),
          tampered: tamper(mint({ count: 1 })),
          garbage: 'garbage',
        };
        for (const [what, cookie] of Object.entries(cookies)) {
          for (const path of ['/untouched', '/vary-untouched']) {
            const answer = await httpRequest(port, path, { headers: cookie === undefined ? {} : { cookie: `session=${cookie}` } });
            assert.equal(answer.status, 200);
            assert.deepEqual(setCookiesOf(answer), [], `${path}, cookie ${what}`);
            assert.equal(answer.headers.vary, path === '/untouched' ? undefined : 'Accept-Encoding', `${path}, cookie ${what}`);
          }
        }
        // The same cookies, when the session is used, do set one: the rule is the use.
        const used = await httpRequest(port, '/read', { headers: { cookie: `session=${cookies['under an old key (would be re-issued if used)']}` } });
        assert.equal(setCookiesOf(used).length, 1);
        assert.deepEqual(rejected, [], 'an unopened session judges no cookie');
      });
    });

    describe('flashes', () => {
      it('round-trips flashed messages with their categories, keeps Markup as Markup, and shows them once', async () => {
        const { port } = await start();
        const jar = new CookieJar();
        jar.store(await get(port, '/flash?m=hello', jar));
        jar.store(await get(port, `/flash?m=${encodeURIComponent('mind the gap')}&c=warning`, jar));
        jar.store(await get(port, `/flash?m=${encodeURIComponent('<b>x</b>')}&c=html&markup=1`, jar));
        const stored = openCookie(jar.get('session') ?? '').data._flashes;
        assert.ok(Array.isArray(stored) && stored.length === 3, 'three flashes in the cookie');
        const shown = await get(port, '/flashes', jar);
        assert.deepEqual(json(shown), [
          { category: 'message', message: 'hello', markup: false },
          { category: 'warning', message: 'mind the gap', markup: false },
          { category: 'html', message: '<b>x</b>', markup: true },
        ]);
        jar.store(shown);
        assert.deepEqual(json(await get(port, '/flashes', jar)), [], 'shown once');
      });
    });

    describe('key rotation', () => {
      it('re-issues a cookie signed under a fallback secret under the current secret when the session is read', async () => {
        const { port } = await start({ session: { secretFallbacks: [OLD_SECRET] } });
        const old = mint({ count: 5 }, { secret: OLD_SECRET });
        assert.equal(openCookie(old).rejected, 'signature-mismatch', 'the old cookie does not open under the current secret alone');
        const answer = await httpRequest(port, '/read', { headers: { cookie: `session=${old}` } });
        assert.deepEqual(json(answer), { count: 5 });
        const reissued = setCookieFor(answer, 'session');
        assert.ok(reissued !== undefined, 'the cookie is re-issued');
        assert.deepEqual(openCookie(cookieValue(reissued)), { data: { count: 5 } }, 'under the current secret');
        assert.equal(reissued, `session=${mint({ count: 5 })}; HttpOnly; Path=/; SameSite=Lax`);
      });
    });

    describe('timeouts', () => {
      it('voids a session unused for longer than the idle timeout, and renews it on each use before then', async () => {
        const rejected: string[] = [];
        const { port } = await start({ session: { idleTimeout: 60 }, onRejected: (reason) => rejected.push(reason.reason) });
        const first = new CookieJar().store(await get(port, '/count'));
        clock.now = NOW_MS + 30_000;
        const renewedAnswer = await get(port, '/read', first);
        assert.deepEqual(json(renewedAnswer), { count: 1 });
        assert.equal(setCookiesOf(renewedAnswer).length, 1, 'renewed on use');
        const renewed = new CookieJar().store(renewedAnswer);
        clock.now = NOW_MS + 80_000; // 80 s after the first cookie, 50 s after the renewal
        assert.deepEqual(json(await get(port, '/read', renewed)), { count: 1 });
        assert.deepEqual(rejected, []);
        assert.deepEqual(json(await get(port, '/read', first)), { count: null });
        assert.deepEqual(rejected, ['idle-timeout']);
      });

      it('voids a session older than the absolute timeout, however active', async () => {
        const rejected: string[] = [];
        const { port } = await start({ session: { absoluteTimeout: 100 }, onRejected: (reason) => rejected.push(reason.reason) });
        const jar = new CookieJar().store(await get(port, '/count'));
        clock.now = NOW_MS + 60_000;
        const second = await get(port, '/count', jar);
        assert.deepEqual(json(second), { count: 2 });
        jar.store(second);
        clock.now = NOW_MS + 101_000; // 41 s after its last use, 101 s after it began
        assert.deepEqual(json(await get(port, '/count', jar)), { count: 1 }, 'a new session');
        assert.deepEqual(rejected, ['absolute-timeout']);
      });
    });

    describe('size budget', () => {
      it('answers a session too large for its cookie with the default 500 JSON error, clearing the cookie that came in', async () => {
        const { port } = await start();
        const jar = new CookieJar().store(await get(port, '/count'));
        const answer = await get(port, '/big', jar);
        assert.equal(answer.status, 500);
        assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
        const body = json(answer) as { error?: unknown };
        assert.deepEqual(Object.keys(body), ['error']);
        assert.match(String(body.error), /over the 4093-byte limit.*the session was not saved; the session cookie was cleared/);
        assert.deepEqual(setCookiesOf(answer), [CLEARED]);
        assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.body)));

        const fresh = await get(port, '/big');
        assert.equal(fresh.status, 500);
        assert.deepEqual(setCookiesOf(fresh), [], 'no cookie came in: none to clear');
      });

      it('answers with onCookieTooLarge instead of the default when it is given', async () => {
        const { port } = await start({ customTooLarge: true });
        const jar = new CookieJar().store(await get(port, '/count'));
        const answer = await get(port, '/big', jar);
        assert.equal(answer.status, 413);
        assert.equal(answer.headers['x-too-large'], 'custom');
        assert.deepEqual(json(answer), { tooLarge: true, cleared: true });
        assert.deepEqual(setCookiesOf(answer), [], 'the app chose not to clear it; nothing was saved');
      });
    });

    describe('tampering', () => {
      it('ignores a tampered cookie, starting a new session, and tells onRejected why', async () => {
        const rejected: string[] = [];
        const { port } = await start({ onRejected: (reason) => rejected.push(reason.reason) });
        const cookie = `session=${tamper(mint({ count: 41 }))}`;
        assert.deepEqual(json(await httpRequest(port, '/read', { headers: { cookie } })), { count: null });
        const answer = await httpRequest(port, '/count', { headers: { cookie } });
        assert.deepEqual(json(answer), { count: 1 });
        assert.deepEqual(openCookie(cookieValue(setCookieFor(answer, 'session') ?? '')), { data: { count: 1 } });
        assert.deepEqual(rejected, ['signature-mismatch', 'signature-mismatch']);
      });
    });

    describe('HEAD', () => {
      it('answers HEAD with the same status and headers as GET, Set-Cookie and Vary included, and no body', async () => {
        const { port } = await start();
        const jar = new CookieJar().store(await get(port, '/count'));
        for (const path of ['/count', '/read', '/untouched']) {
          const headers = jar.header() === '' ? {} : { cookie: jar.header() };
          const byGet = await httpRequest(port, path, { headers });
          const byHead = await httpRequest(port, path, { method: 'HEAD', headers });
          const described = (answer: Answer): Record<string, unknown> =>
            Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !FRAMING_HEADERS.has(name)));
          assert.equal(byHead.status, byGet.status, path);
          assert.deepEqual(described(byHead), described(byGet), path);
          assert.equal(byHead.body, '', path);
          assert.notEqual(byGet.body, '', path);
        }
      });
    });

    describe("Secure 'auto'", () => {
      it('sets Secure for X-Forwarded-Proto: https only when the framework trusts the proxy', async () => {
        const https = { 'x-forwarded-proto': 'https' };
        const trusted = await start({ trustProxy: true });
        assert.equal(setCookieFor(await get(trusted.port, '/count', undefined, https), 'session'), `session=${flaskCount}; Secure; HttpOnly; Path=/; SameSite=Lax`);
        assert.equal(setCookieFor(await get(trusted.port, '/count'), 'session'), `session=${flaskCount}; HttpOnly; Path=/; SameSite=Lax`);
        const untrusted = await start({ trustProxy: false });
        assert.equal(setCookieFor(await get(untrusted.port, '/count', undefined, https), 'session'), `session=${flaskCount}; HttpOnly; Path=/; SameSite=Lax`);
      });
    });

    describe('lifecycle', () => {
      it(`saves a write made ${adapter.late}`, async () => {
        const { port } = await start();
        const jar = new CookieJar().store(await get(port, '/count'));
        const answer = await get(port, '/late', jar);
        assert.equal(answer.status, 200);
        assert.deepEqual(json(answer), { late: 'pending' });
        assert.deepEqual(openCookie(cookieValue(setCookieFor(answer, 'session') ?? '')).data, { count: 1, late: LATE_VALUE });
        assert.equal(answer.headers.vary, 'Cookie');
      });

      it('saves a write made in the error handler', async () => {
        const { port } = await start();
        const jar = new CookieJar().store(await get(port, '/count'));
        const answer = await get(port, '/late-error', jar);
        assert.equal(answer.status, 500);
        assert.deepEqual(json(answer), { error: 'boom' });
        jar.store(answer);
        assert.deepEqual(json(await get(port, '/dump', jar)), { count: 1, late: ERROR_VALUE });
      });

      it(`refuses a write made after the cookie was saved (${adapter.afterSave}) with a TypeError saying the session is closed`, async () => {
        const running = await start();
        const jar = new CookieJar().store(await get(running.port, '/count'));
        const answer = await get(running.port, '/after', jar);
        assert.equal(answer.status, 200);
        await eventually(() => running.afterWrites.length > 0, 'the write after the save');
        const [thrown] = running.afterWrites;
        assert.ok(thrown instanceof TypeError, `the late write gave ${String(thrown)}`);
        assert.match(thrown.message, /session is closed/);
      });

      it(`stops the start with a TypeError for a bad option: ${adapter.startup}`, async () => {
        const error = await adapter.startupError({ secret: SECRET, cookie: { name: 'bad name' } });
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, /^cookie\.name is invalid: "bad name"/, "the core names the option, not an environment variable");
      });

      it('names `secret` and says what to set when the secret is missing, undefined or null', async () => {
        for (const options of [{}, { secret: undefined }, { secret: null }]) {
          const error = await adapter.startupError(options);
          assert.ok(error instanceof TypeError, String(error));
          assert.doesNotMatch(error.message, /Cannot read properties/, JSON.stringify(options));
          assert.match(error.message, /\bsecret\b/, error.message);
          assert.match(error.message, /\b(set|give)\b/i, error.message);
        }
      });
    });

    describe('revocation', () => {
      it('refuses a cookie session of a revoked user before the handler runs, and tells onRejected', async () => {
        const revocation = new Revocation({ generations: new MemoryStore() });
        const rejected: string[] = [];
        const { port } = await start({ session: { revocation } as unknown as Partial<SessionOptions<SessionData>>, onRejected: (reason) => rejected.push(reason.reason) });
        const jar = new CookieJar();
        jar.store(await get(port, '/login?u=ada'));
        assert.equal((json(await get(port, '/dump', jar)) as Record<string, unknown>)['_user_id'], 'ada');
        await revocation.revokeUser('ada');
        assert.deepEqual(json(await get(port, '/dump', jar)), {});
        assert.deepEqual(rejected, ['revoked']);
      });
    });

    describe('server-side sessions (a memory store)', () => {
      const withStore = (store: SessionStore, extra: Record<string, unknown> = {}): AppSetup => ({ session: { store, ...extra } as unknown as Partial<SessionOptions<SessionData>> });
      const ids = new SessionIds({ secret: SECRET });

      it('keeps the data in the store and only a signed id in the cookie, across requests', async () => {
        const store = new MemoryStore({ clock: testClock });
        const { port } = await start(withStore(store));
        const jar = new CookieJar();
        const first = await get(port, '/count');
        jar.store(first);
        assert.deepEqual(json(first), { count: 1 });
        const second = await get(port, '/count', jar);
        jar.store(second);
        assert.deepEqual(json(second), { count: 2 });
        const value = cookieValue(setCookieFor(await get(port, '/permanent', jar), 'session') ?? '');
        const read = ids.read(value);
        assert.ok(read.ok, 'the cookie is a signed id');
        assert.doesNotMatch(value, /count/);
        assert.equal(store.size, 1);
        assert.deepEqual(json(await get(port, '/read', jar)), { count: 1 });
      });

      it(`saves a write made ${adapter.late}, before the headers go out`, async () => {
        const store = new MemoryStore({ clock: testClock });
        const { port } = await start(withStore(store));
        const jar = new CookieJar();
        jar.store(await get(port, '/count'));
        await get(port, '/late', jar);
        assert.deepEqual(json(await get(port, '/dump', jar)), { count: 1, late: LATE_VALUE });
      });

      it('loads nothing and sets no cookie and no Vary for a session never touched; an unknown id gets a new one', async () => {
        const store = new MemoryStore({ clock: testClock });
        const rejected: string[] = [];
        const { port } = await start({ ...withStore(store), onRejected: (reason) => rejected.push(reason.reason) });
        const untouched = await get(port, '/untouched');
        assert.deepEqual(setCookiesOf(untouched), []);
        assert.equal(untouched.headers.vary, undefined);
        const forgotten = ids.cookieValue(ids.create());
        const stale = new CookieJar();
        stale.cookies.set('session', forgotten);
        const answer = await get(port, '/count', stale);
        const issued = cookieValue(setCookieFor(answer, 'session') ?? '');
        assert.notEqual(issued, forgotten, 'never the id it came with');
        assert.ok(ids.read(issued).ok);
        assert.deepEqual(rejected, ['unknown-session']);
      });

      it('shows flashed messages once, through the store', async () => {
        const store = new MemoryStore({ clock: testClock });
        const { port } = await start(withStore(store));
        const jar = new CookieJar();
        jar.store(await get(port, '/flash?m=saved&c=info'));
        assert.deepEqual(json(await get(port, '/flashes', jar)), [{ category: 'info', message: 'saved', markup: false }]);
        assert.deepEqual(json(await get(port, '/flashes', jar)), []);
      });

      it('keeps the data in a real Redis across requests, and merges two parallel requests\' keys', async () => {
        const { port } = await start(withStore(new RedisStore(redisClient())));
        const jar = new CookieJar();
        jar.store(await get(port, '/count'));
        const [late] = await Promise.all([get(port, '/late', jar), get(port, '/count', jar)]);
        assert.equal(late.status, 200);
        assert.deepEqual(json(await get(port, '/dump', jar)), { count: 2, late: LATE_VALUE });
      });

      it('ends the session when it is cleared: the store forgets it, and the cookie is deleted', async () => {
        const store = new MemoryStore({ clock: testClock });
        const { port } = await start(withStore(store));
        const jar = new CookieJar();
        jar.store(await get(port, '/count'));
        const cleared = await get(port, '/clear', jar);
        assert.deepEqual(setCookiesOf(cleared), [CLEARED]);
        assert.equal(store.size, 0);
      });
    });
  });
}

// ---------------------------------------------------------------------------------
// Side by side: the same requests give the same bytes on every adapter.

describe('The four adapters side by side', { timeout: 20_000 }, () => {
  const SEQUENCE = ['/count', '/count', '/permanent', `/flash?m=${encodeURIComponent('<i>hi</i>')}&c=html&markup=1`, '/flashes', '/read', '/untouched', '/clear', '/count', '/big'];

  /** Each adapter's answers to SEQUENCE, one cookie jar each, the clock a second further per step. */
  async function transcripts(setup: AppSetup): Promise<Map<string, string[]>> {
    const byAdapter = new Map<string, string[]>();
    for (const adapter of ADAPTERS) {
      const { port, close } = await adapter.start(setup, []);
      try {
        const jar = new CookieJar();
        const lines: string[] = [];
        for (const [step, path] of SEQUENCE.entries()) {
          clock.now = NOW_MS + step * 1000;
          const answer = await httpRequest(port, path, { headers: jar.header() === '' ? {} : { cookie: jar.header() } });
          lines.push(`${path} ${answer.status} vary=${String(answer.headers.vary)} ${JSON.stringify(setCookiesOf(answer))} ${answer.body}`);
          jar.store(answer);
        }
        byAdapter.set(adapter.name, lines);
      } finally {
        clock.now = NOW_MS;
        await close();
      }
    }
    return byAdapter;
  }

  for (const [format, session] of [
    ['Flask', { format: 'flask' }],
    ['sealed (given the same random bytes)', { format: 'sealed', randomBytes: (size: number) => new Uint8Array(size).fill(9), permanentLifetime: 600 }],
  ] as const) {
    it(`answers the same requests with byte-identical Set-Cookie, Vary and bodies, in the ${format} format`, async () => {
      const byAdapter = await transcripts({ session });
      const [first, ...others] = [...byAdapter];
      assert.ok(first !== undefined && others.length === 3);
      assert.equal(first[1].filter((line) => line.includes('"session=')).length >= 5, true, 'cookies were set');
      for (const [name, lines] of others) assert.deepEqual(lines, first[1], `${name} against ${first[0]}`);
    });
  }
});

// ---------------------------------------------------------------------------------
// Compile-time: one SessionData declaration types the session of every adapter.

/** Whether each type is assignable to the other (PyValue | undefined is not number | undefined). */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const countOn = {
  fastify: (request: FastifyRequest) => request.session.get('count'),
  express: (req: ExpressRequest) => req.session.get('count'),
  hono: (c: Context<SessionEnv>) => c.var.session.get('count'),
  honoGet: (c: Context) => c.get('session').get('count'),
  fetch: (opened: FetchSession) => opened.session.get('count'),
};
/** Each entry compiles only when that adapter's `session.get('count')` is `number | undefined`. */
const typedByOneDeclaration: { readonly [K in keyof typeof countOn]: Equal<ReturnType<(typeof countOn)[K]>, number | undefined> } = {
  fastify: true,
  express: true,
  hono: true,
  honoGet: true,
  fetch: true,
};

describe('Every adapter', () => {
  it('types session.get from the one SessionData declaration (a compile-time check)', () => {
    // The check is the build: this file does not compile when one adapter's type differs.
    assert.deepEqual(Object.keys(typedByOneDeclaration), Object.keys(countOn));
  });
});

// ---------------------------------------------------------------------------------
// The library root loads no framework.

describe('The library root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-loads-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads no framework module: neither fastify, express, hono nor @hono/node-server', async () => {
    const log = join(dir, 'loads.txt');
    writeFileSync(log, '');
    // A resolve hook (module.register) records every module the ESM loader resolves;
    // require.cache covers CommonJS loaded from within.
    const hooks = `
      import { appendFileSync } from 'node:fs';
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
        return resolved;
      }`;
    const entry = (subpath: string): string => import.meta.resolve(subpath === '' ? 'signet-session' : `signet-session/${subpath}`);
    const script = `
      import { register, createRequire } from 'node:module';
      import { readFileSync } from 'node:fs';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
      const FRAMEWORK = /\\/node_modules\\/(fastify|express|hono|@hono\\/node-server)\\//;
      const loaded = () => [...readFileSync(${JSON.stringify(log)}, 'utf8').split('\\n'), ...Object.keys(createRequire(import.meta.url).cache)].filter((m) => FRAMEWORK.test(m));
      const root = await import(${JSON.stringify(entry(''))});
      const fromRoot = loaded();
      const exports = Object.keys(root).length;
      // The adapters import their framework's types only, so they load none either; the
      // frameworks themselves are seen by the same recording: the method can tell.
      for (const adapter of ${JSON.stringify(['fastify', 'express', 'hono', 'fetch'].map(entry))}) await import(adapter);
      const fromAdapters = loaded();
      const seen = {};
      for (const framework of ['fastify', 'express', 'hono']) {
        await import(framework);
        seen[framework] = loaded().some((m) => m.includes('/node_modules/' + framework + '/'));
      }
      console.log(JSON.stringify({ fromRoot, fromAdapters, exports, seen }));`;
    const root = fileURLToPath(new URL('../..', import.meta.url)); // where node_modules is, for the bare imports
    const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 20_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    assert.equal(code, 0, err);
    const result = JSON.parse(out) as { fromRoot: string[]; fromAdapters: string[]; exports: number; seen: Record<string, boolean> };
    assert.ok(result.exports > 10, 'the root was imported');
    assert.deepEqual(result.fromRoot, [], 'framework modules loaded by the library root');
    assert.deepEqual(result.fromAdapters, [], 'framework modules loaded by the adapters themselves');
    // Hono is ESM (seen by the hook); Express and Fastify are CommonJS (seen by both).
    assert.deepEqual(result.seen, { fastify: true, express: true, hono: true });
    assert.equal(readFileSync(log, 'utf8').includes('/dist/src/index.js'), true);
  });
});
