/**
 * The lesson server answers byte for byte the same on Fastify, Express and Hono
 * (SIGNET_FRAMEWORK): one long sequence of requests goes to each of the three over bare
 * sockets, and every answer must be the same bytes (status line, every header in its
 * order and spelling, body), the Date header's value left out; the log lines too.
 *
 * The sequence is a browser's visits (its cookie jar kept from the answers), tampered,
 * missing and odd cookies, sessions Flask signed (test/support/flask-tools.ts), odd
 * paths and request lines, every method, HEAD and OPTIONS, the inspector's files and
 * decoder with its limits, the inspector's cookie mirror, and the error answers; then
 * the same for sessions too large for their cookie, for TRUST_PROXY with
 * SESSION_COOKIE_SECURE=auto, for the decoder's rate limit, and for a stop.
 *
 * Nothing here says what an answer must be: Fastify's answers are the reference, as the
 * Flask cross-tests (lesson.oracle.test.ts) check those against Flask itself.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, FRAMEWORKS, type Framework, type LessonServer, type LessonServerOptions } from 'signet-lesson/server/app';
import { LessonDatabase } from 'signet-lesson/server/database';
import { flaskSign } from './support/flask-tools.js';
import { RawConnection, withoutDate } from './support/raw-http.js';

const LESSON_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const LESSON_KEY = Buffer.from(LESSON_HEX, 'hex');
const T0 = 1_700_000_000;

/** A browser's cookies for the server: name -> value, in the order they were set. */
type Jar = Map<string, string>;

interface Step {
  readonly method?: string;
  /** The request target; `raw` has its own. */
  readonly target?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** The Cookie header; a function of the jar for cookies taken from earlier answers. */
  readonly cookie?: string | ((jar: Jar) => string);
  /** Send the jar's cookies, as a browser would. */
  readonly jar?: boolean;
  readonly body?: string;
  /** Send the body in chunks, without a Content-Length. */
  readonly chunked?: boolean;
  /** The whole request as it is, instead of the fields above. */
  readonly raw?: string;
}

function requestText(step: Step, jar: Jar): string {
  if (step.raw !== undefined) return step.raw;
  const method = step.method ?? 'GET';
  const lines = [`${method} ${step.target ?? '/'} HTTP/1.1`, 'Host: 127.0.0.1'];
  const cookie = step.jar === true ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : typeof step.cookie === 'function' ? step.cookie(jar) : step.cookie;
  if (cookie !== undefined && cookie !== '') lines.push(`Cookie: ${cookie}`);
  for (const [name, value] of step.headers ?? []) lines.push(`${name}: ${value}`);
  let body = '';
  if (step.body !== undefined && step.chunked === true) {
    lines.push('Transfer-Encoding: chunked');
    for (let at = 0; at < step.body.length; at += 1000) {
      const piece = step.body.slice(at, at + 1000);
      body += `${Buffer.byteLength(piece, 'latin1').toString(16)}\r\n${piece}\r\n`;
    }
    body += '0\r\n\r\n';
  } else if (step.body !== undefined) {
    lines.push(`Content-Length: ${Buffer.byteLength(step.body, 'latin1')}`);
    body = step.body;
  }
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function keepCookies(jar: Jar, answer: string): void {
  const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
  for (const [, header = ''] of head.matchAll(/\r\nset-cookie: ([^\r]*)/gi)) {
    const pair = header.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (/;\s*Max-Age=0(;|$)/i.test(header)) jar.delete(pair.slice(0, eq));
    else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

/** A server per framework with the same options and a clock the test moves. */
class Trio {
  readonly servers = new Map<Framework, { readonly app: LessonServer; readonly port: number; readonly log: string[] }>();
  ms = T0 * 1000;

  static async start(options: Omit<LessonServerOptions, 'secret' | 'clock' | 'log' | 'framework'> = {}, perFramework: (framework: Framework) => Partial<LessonServerOptions> = () => ({})): Promise<Trio> {
    const trio = new Trio();
    for (const framework of FRAMEWORKS) {
      const log: string[] = [];
      const app = await buildServer({ secret: LESSON_KEY, ...options, ...perFramework(framework), framework, clock: () => trio.ms, log: (line) => log.push(line) });
      await app.listen({ port: 0, host: '127.0.0.1' });
      trio.servers.set(framework, { app, port: (app.server.address() as AddressInfo).port, log });
    }
    return trio;
  }

  async close(): Promise<void> {
    for (const { app } of this.servers.values()) await app.close();
  }

  /**
   * Runs the steps on each framework in turn, on one keep-alive connection (a new one
   * after the server closes it), the clock at the same second for each step on each;
   * returns each framework's answers and log, the Date header's value left out.
   */
  async run(steps: readonly Step[], tick = 10_000): Promise<Map<Framework, { answers: string[]; log: string[] }>> {
    const results = new Map<Framework, { answers: string[]; log: string[] }>();
    for (const [framework, { port, log }] of this.servers) {
      const jar: Jar = new Map();
      const answers: string[] = [];
      const logged = log.length;
      let connection = await RawConnection.open(port);
      const start = this.ms;
      for (const [i, step] of steps.entries()) {
        this.ms = start + i * tick;
        if (connection.ended) connection = await RawConnection.open(port);
        const text = requestText(step, jar);
        const answer = await connection.exchange(text);
        keepCookies(jar, answer);
        answers.push(withoutDate(answer));
      }
      connection.close();
      this.ms = start;
      // The log lines of these steps, the time each took left out.
      await new Promise((resolve) => setTimeout(resolve, 20));
      results.set(framework, { answers, log: log.slice(logged).map((line) => line.replace(/ \d+\.\d\dms$/, ' (time)')) });
    }
    return results;
  }
}

let stepsCompared = 0;

/** Every framework's answers and log lines are Fastify's. */
function assertSame(results: Map<Framework, { answers: string[]; log: string[] }>, steps: readonly Step[]): void {
  const reference = results.get('fastify');
  assert.ok(reference !== undefined);
  for (const [framework, { answers, log }] of results) {
    answers.forEach((answer, i) => {
      const step = steps[i] as Step;
      assert.equal(answer, reference.answers[i], `${framework}, step ${i + 1}: ${step.raw?.split('\r\n')[0] ?? `${step.method ?? 'GET'} ${step.target}`}`);
    });
    assert.deepEqual(log, reference.log, `${framework}: the log lines`);
  }
  stepsCompared += steps.length;
}

/** Checks that a sequence did what it was meant to, on the reference answers: the comparison is not vacuous. */
function statuses(results: Map<Framework, { answers: string[] }>): number[] {
  return (results.get('fastify')?.answers ?? []).map((answer) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0));
}

const session = (jar: Jar): string => jar.get('session') ?? '';
/** The jar's session cookie with one character of its signature changed. */
const tampered = (jar: Jar): string => {
  const value = session(jar);
  const at = value.length - 5;
  return `mouse=Cookie; session=${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`;
};
const json = (value: unknown): string => JSON.stringify(value);
const JSON_TYPE: ReadonlyArray<readonly [string, string]> = [['Content-Type', 'application/json']];
const INSPECT: ReadonlyArray<readonly [string, string]> = [['X-Signet-Inspect', '1']];

describe('The lesson answers the same bytes on Fastify, Express and Hono', { timeout: 120_000 }, () => {
  let trio: Trio;
  const signed = new Map<string, string>();

  before(async () => {
    const sessions: Record<string, string> = {
      custom: '{"hello": "Signed", "goodnight": "Moon"}',
      bytes: '{"v": {" b": "aGk="}}',
      tuple: '{"v": {" t": [1, "a", {" t": []}, [2.5]]}, "hello": "x"}',
      permanent: '{"_permanent": true, "hello": "Forever"}',
      falsy: '{"hello": "", "goodnight": 0}',
      flashes: '{"_flashes": [{" t": ["message", "Hi"]}], "hello": "World"}',
      unicodeKey: '{"caf\\u00e9": "au lait"}',
      percentKey: '{"%ZZ": "kept"}',
      compressed: `{"hello": "${'ab'.repeat(150)}"}`,
    };
    const names = Object.keys(sessions);
    const cookies = flaskSign(names.map((name) => ({ secret: { hex: LESSON_HEX }, tagged: sessions[name] as string, ts: T0 })));
    names.forEach((name, i) => signed.set(name, cookies[i] ?? ''));
    trio = await Trio.start();
  });

  after(async () => {
    await trio.close();
  });

  const flask = (name: string): string => {
    const value = signed.get(name);
    assert.ok(value !== undefined && value !== '', name);
    return `session=${value}`;
  };

  it('for a browser\'s visits, tampered, missing and odd cookies, and sessions Flask signed', async () => {
    const steps: Step[] = [
      { target: '/sessions/hello' },
      { target: '/sessions/goodnight', jar: true },
      { target: '/sessions/hello?x=1&session=2', jar: true },
      { method: 'HEAD', target: '/sessions/hello', jar: true },
      { target: '/sessions/missing', jar: true },
      { target: '/sessions/hello', cookie: tampered },
      { target: '/sessions/hello', cookie: (jar) => `session=${session(jar).split('.')[0] ?? ''}` },
      { target: '/sessions/hello', cookie: 'session=garbage; mouse=Mickey' },
      { target: '/sessions/hello', cookie: 'session=' },
      { target: '/sessions/hello', cookie: (jar) => `session="${session(jar)}"` },
      { target: '/sessions/hello', cookie: (jar) => `session=garbage; session=${session(jar)}` },
      { target: '/sessions/hello', cookie: 'a="x\\073y"; flag; =v; b=\xe9\xff; \xef\xbb\xbfmouse=1; x=1; x=2' },
      { target: '/sessions/v', cookie: flask('bytes') },
      { target: '/sessions/v', cookie: flask('tuple') },
      { target: '/sessions/hello', cookie: flask('permanent') },
      { target: '/sessions/hello', cookie: flask('falsy') },
      { target: '/sessions/_flashes', cookie: flask('flashes') },
      { target: '/sessions/caf%C3%A9', cookie: flask('unicodeKey') },
      { target: '/sessions/%ZZ', cookie: flask('percentKey') },
      { target: '/sessions/hello', cookie: flask('compressed') },
      { target: '/sessions/hello', cookie: flask('custom') },
      { target: '/sessions/hello', headers: INSPECT, jar: true },
      { target: '/sessions/missing', headers: INSPECT, cookie: flask('custom') },
    ];
    const results = await trio.run(steps);
    assertSame(results, steps);
    assert.deepEqual(statuses(results).filter((status) => status !== 200), [404, 500, 404]);
  });

  it('for every method, HEAD and OPTIONS, odd paths and request lines', async () => {
    const methods = ['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'OPTIONS', 'HEAD'];
    const paths = [
      '/sessions', '/sessions/', '/sessions/hello/', '/SESSIONS/hello', '//sessions/hello', '/sessions/a%2Fb', '/sessions/h%65llo',
      '/sessions/%E9t%E9', '/sessions/a%3Fb', '/sessions/a%23b', '/sessions/a;b', '/sessions/ab%', '/sessions/%00', `/sessions/${'k'.repeat(300)}`,
      '/sessions/a\\b', '/sessions/..%2Fhello', '/sessions/./hello', '/other', '/inspect', '/inspect/decode/x', '*', 'http://example.com/sessions/hello',
      '/favicon%2Eico', '/%2E%2E/sessions/hello', '/sessions/hello?', '/sessions/hello?a=%ZZ&b=\xe9',
    ];
    const steps: Step[] = [
      ...methods.map((method): Step => ({ method, target: '/sessions/hello', jar: true })),
      { method: 'POST', target: '/sessions/hello', body: '{"broken', headers: JSON_TYPE },
      { method: 'OPTIONS', target: '/sessions/missing', headers: INSPECT },
      ...paths.map((target): Step => ({ target })),
      ...paths.slice(0, 8).map((target): Step => ({ method: 'HEAD', target })),
      ...paths.slice(0, 8).map((target): Step => ({ method: 'POST', target, headers: INSPECT })),
      { raw: 'GET /sessions/hello HTTP/1.0\r\n\r\n' },
      { raw: 'GET /sessions/goodnight HTTP/1.0\r\nConnection: keep-alive\r\nHost: 127.0.0.1\r\n\r\n' },
      { raw: 'GET /sessions/hello HTTP/1.1\r\nHost: exa mple\r\n\r\n' },
      { raw: 'GET /sessions/hello HTTP/1.1\r\nHost: EXAMPLE.com:99999\r\n\r\n' },
      { raw: 'GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' },
      { raw: 'get /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' },
      { raw: 'GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: a=1\r\nCookie: mouse=2\r\n\r\n' },
    ];
    const results = await trio.run(steps);
    assertSame(results, steps);
    const seen = new Set(statuses(results));
    for (const status of [200, 400, 404, 405]) assert.ok(seen.has(status), `a ${status} among ${[...seen].join(', ')}`);
  });

  it('for the inspector\'s files and its decoder, with its limits', async () => {
    const shell = JSON.stringify({ cookie: '' });
    const ofSize = (size: number): string => JSON.stringify({ cookie: 'x'.repeat(size - shell.length) });
    const steps: Step[] = [
      ...['/', '/inspector.js', '/inspector.css', '/favicon.svg', '/favicon.ico'].map((target): Step => ({ target, jar: true })),
      { method: 'HEAD', target: '/' },
      { method: 'OPTIONS', target: '/' },
      { method: 'POST', target: '/' },
      { target: '/inspector.js', headers: INSPECT },
      { target: '/sessions/hello' },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, cookie: (jar) => `other=1; session=${session(jar)}`, body: json({ useMyCookie: true }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: json({ useMyCookie: true }) },
      { method: 'POST', target: '/inspect/decode', headers: [...JSON_TYPE, ...INSPECT], body: json({ cookie: flask('custom') }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: json({ cookie: flask('bytes').slice('session='.length) }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: json({ cookie: flask('custom'), secret: 'hex:00112233445566778899aabbccddeeff' }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: json({ cookie: flask('custom'), secret: 'hex:zz' }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: json({ cookie: 'a.b.c', secret: 'k'.repeat(1025) }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: json({ cookie: 'é.ü.\u2028' }) },
      { method: 'POST', target: '/inspect/decode', headers: [['Content-Type', 'application/json; charset=utf-8']], body: json({ cookie: 42 }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: '{"cookie": ' },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: '' },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: '["a.b.c"]' },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: '\xef\xbb\xbf{}' },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: '{"cookie": "\xff\xfe"}' },
      { method: 'POST', target: '/inspect/decode', headers: [['Content-Type', 'text/plain']], body: 'a.b.c' },
      { method: 'POST', target: '/inspect/decode', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'cookie=a.b.c' },
      { method: 'POST', target: '/inspect/decode', body: json({ cookie: 'a.b.c' }) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: ofSize(8192) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: ofSize(8192), chunked: true },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: ofSize(8193) },
      { method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body: ofSize(20_000), chunked: true },
      ...['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].map((method): Step => ({ method, target: '/inspect/decode', headers: INSPECT })),
    ];
    const results = await trio.run(steps);
    assertSame(results, steps);
    const seen = statuses(results);
    for (const status of [200, 400, 404, 405, 413]) assert.ok(seen.includes(status), `a ${status} among ${seen.join(', ')}`);
  });

  it('for sessions too large for their cookie, changed and unchanged', async () => {
    const small = await Trio.start({ session: { maxCookieSize: 64 } });
    try {
      const first = await Trio.start();
      const visited = await first.run([{ target: '/sessions/hello' }]);
      await first.close();
      const cookie = /\r\nset-cookie: (session=[^;\r]*)/i.exec(visited.get('fastify')?.answers[0] ?? '')?.[1] ?? '';
      assert.ok(cookie.length > 64, 'the lesson\'s session cookie is longer than 64 bytes');
      const steps: Step[] = [
        { target: '/sessions/hello' },
        { target: '/sessions/hello', headers: INSPECT },
        { method: 'HEAD', target: '/sessions/hello' },
        { target: '/sessions/missing' },
        { target: '/sessions/hello', cookie: `mouse=Cookie; ${flask('custom')}` },
        { target: '/sessions/hello', cookie: flask('falsy'), headers: INSPECT },
        { target: '/sessions/hello', cookie },
        { target: '/sessions/v', cookie: flask('bytes') },
      ];
      const results = await small.run(steps);
      assertSame(results, steps);
      assert.deepEqual(statuses(results), [500, 500, 500, 500, 200, 500, 200, 500]);
      assert.match(results.get('fastify')?.log.join('\n') ?? '', /the session is unchanged, so the session cookie the browser sent stays in use/);
    } finally {
      await small.close();
    }
  });

  for (const [trustProxy, what] of [[['127.0.0.1'], 'a trusted proxy'], [['10.0.0.0/8'], 'a proxy not trusted'], [true, 'every proxy trusted']] as const) {
    it(`for SESSION_COOKIE_SECURE=auto and the decoder's clients behind ${what} (TRUST_PROXY)`, async () => {
      const proxied = await Trio.start({ trustProxy, session: { cookie: { secure: 'auto' } } });
      try {
        const forwarded = ['https', 'http', 'http, https', 'https, http', 'HTTPS', ' https ', 'wss', ''];
        const steps: Step[] = [
          { target: '/sessions/hello' },
          ...forwarded.map((proto): Step => ({ target: '/sessions/hello', headers: [['X-Forwarded-Proto', proto]] })),
          { target: '/sessions/hello', headers: [['X-Forwarded-Proto', 'http'], ['X-Forwarded-Proto', 'https']] },
          { target: '/sessions/hello', headers: [['X-Forwarded-For', '10.1.2.3'], ['X-Forwarded-Proto', 'https']] },
        ];
        const results = await proxied.run(steps);
        assertSame(results, steps);
        const secure = (results.get('fastify')?.answers ?? []).filter((answer) => /\r\nset-cookie: session=[^\r]*; Secure/i.test(answer)).length;
        assert.equal(secure > 0, trustProxy === true || trustProxy[0] === '127.0.0.1', `${secure} answers set a Secure cookie`);
        // The decoder's rate limit is per client, as TRUST_PROXY reads the client's address.
        const clients = ['10.0.0.1', '10.0.0.2'];
        const decode = clients.flatMap((client) => Array.from({ length: 21 }, (): Step => ({ method: 'POST', target: '/inspect/decode', headers: [...JSON_TYPE, ['X-Forwarded-For', client]], body: json({ cookie: 'a.b.c' }) })));
        const limited = await proxied.run(decode, 0);
        assertSame(limited, decode);
        // One 429 per client when the proxy is believed; else every request is the proxy's own.
        assert.equal(statuses(limited).filter((status) => status === 429).length, trustProxy === true || trustProxy[0] === '127.0.0.1' ? 2 : 22);
      } finally {
        await proxied.close();
      }
    });
  }

  it('while stopping: the answer to a request in progress closes its connection', async () => {
    const stopping = await Trio.start();
    const answers = new Map<Framework, string>();
    try {
      for (const [framework, { app, port }] of stopping.servers) {
        const connection = await RawConnection.open(port);
        assert.match(await connection.exchange(requestText({ target: '/sessions/hello' }, new Map())), /^HTTP\/1\.1 200 /);
        const body = json({ cookie: flask('custom') });
        const request = requestText({ method: 'POST', target: '/inspect/decode', headers: JSON_TYPE, body }, new Map());
        connection.write(request.slice(0, -body.length + 5)); // the headers and a little of the body
        await new Promise((resolve) => setTimeout(resolve, 100));
        const closed = app.close();
        await new Promise((resolve) => setTimeout(resolve, 100));
        connection.write(body.slice(5));
        answers.set(framework, withoutDate(await connection.read('POST')));
        await closed;
        await connection.closed;
        connection.close();
      }
    } finally {
      await stopping.close();
    }
    for (const [framework, answer] of answers) assert.equal(answer, answers.get('fastify'), framework);
    assert.match(answers.get('fastify') ?? '', /^HTTP\/1\.1 200 OK\r\n[^]*\r\nconnection: close\r\n/);
    stepsCompared++;
  });

  it("for the lessons after the cookie one: the paywall, signup, login, authorization and logging out everywhere", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-frameworks-db-'));
    const databases: LessonDatabase[] = [];
    const lessons = await Trio.start({ passwordParams: { N: 2 ** 10, r: 8, p: 1 } }, (framework) => {
      const database = new LessonDatabase(join(dir, framework, 'lesson.sqlite3'));
      databases.push(database);
      return { database };
    });
    try {
      const account = json({ username: 'ada', password: 'correct horse', password_confirmation: 'correct horse' });
      const steps: Step[] = [
        { target: '/articles' },
        ...[1, 2, 3, 4].map((id): Step => ({ target: `/articles/${id}`, jar: true })),
        { target: '/articles/999', jar: true },
        { target: '/clear', jar: true },
        { method: 'OPTIONS', target: '/articles/1' },
        { method: 'PUT', target: '/articles/1' },
        { target: '/members_only_articles', jar: true },
        { method: 'POST', target: '/signup', headers: JSON_TYPE, body: account, jar: true },
        { method: 'POST', target: '/signup', headers: JSON_TYPE, body: account },
        { method: 'POST', target: '/signup', headers: [['Content-Type', 'text/plain']], body: account },
        { method: 'POST', target: '/signup', headers: JSON_TYPE, body: '{"username": ' },
        { target: '/check_session', jar: true },
        { target: '/members_only_articles/5', jar: true },
        { method: 'DELETE', target: '/articles/6', jar: true },
        { target: '/account/sessions', jar: true },
        { method: 'DELETE', target: '/logout', jar: true },
        { target: '/check_session', jar: true },
        { method: 'POST', target: '/login', headers: JSON_TYPE, body: json({ username: 'ada', password: 'wrong password' }) },
        { method: 'POST', target: '/login', headers: JSON_TYPE, body: json({ username: 'ada', password: 'correct horse' }), jar: true },
        { method: 'POST', target: '/login', headers: [...JSON_TYPE, ['Origin', 'https://elsewhere.example']], body: json({ username: 'ada', password: 'correct horse' }) },
        { method: 'POST', target: '/logout_all', headers: JSON_TYPE, body: '{}', jar: true },
        { target: '/check_session', jar: true },
        { target: '/login' },
      ];
      const results = await lessons.run(steps);
      assertSame(results, steps);
      assert.deepEqual(statuses(results), [200, 200, 200, 200, 401, 404, 204, 200, 405, 401, 201, 422, 415, 400, 200, 200, 403, 200, 204, 401, 401, 200, 403, 204, 401, 405]);
    } finally {
      await lessons.close();
      for (const database of databases) database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compared more than 200 answers', () => {
    assert.ok(stepsCompared > 200, `${stepsCompared} answers compared on each framework`);
  });
});
