/**
 * The lesson server's session settings. The real process (`node dist/src/server/main.js`,
 * configured by its environment) for the formats, migration, key fallbacks, cookie
 * attributes, the size budget, startup errors and the weak-key warning; and
 * `buildServer` in-process over real HTTP with an injected clock for the timeouts,
 * which a real clock cannot reach cheaply.
 *
 * Flask cookies are signed by the real Flask (test/oracle/flask_oracle.py); sealed tokens
 * are opened and made with node:crypto from the documented layout.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type Framework, type LessonServerOptions, type LessonServer } from 'signet-lesson/server/app';
import { FlaskOracle, oracleSecret } from './support/flask-oracle.js';
import { CookieJar, cookieValue, httpRequest, setCookieFor, type Answer } from './support/http-client.js';
import { parseToken, readPlaintext, referenceKey, referenceOpen, referenceSeal } from './support/sealed-reference.js';

const MAIN = fileURLToPath(import.meta.resolve('signet-lesson/server/main'));
const LESSON_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const LESSON_KEY = Buffer.from(LESSON_HEX, 'hex');
const NEW_HEX = 'a1'.repeat(32);
const OTHER_HEX = 'b2'.repeat(32);
/** `{"goodnight": "Moon", "hello": "World"}` as Flask's payload segment. */
const DEFAULT_PAYLOAD = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9';
const LIFETIME = 31 * 24 * 3600;

const SIGNED_DATA = { dict: [['goodnight', { str: 'Moon' }], ['hello', { str: 'Signed' }]] } as const;

let oracle: FlaskOracle;
before(async () => {
  oracle = await FlaskOracle.start();
});
after(async () => {
  await oracle.close();
});

/** The lesson's answer body for `/sessions/hello` (Flask's jsonify layout), parsed. */
interface LessonBody {
  readonly cookies: Record<string, string>[];
  readonly session: { readonly session_accessed: boolean; readonly session_key: string; readonly session_value: unknown };
}
const bodyOf = (answer: Answer): LessonBody => JSON.parse(answer.body) as LessonBody;

const realNow = (): number => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------
// The real process

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

const running: Started[] = [];
/** The framework the tests run the server on now (SIGNET_FRAMEWORK): each describe below runs on each. */
let framework: Framework = 'fastify';

function start(env: Record<string, string>): Promise<Started> {
  const cwd = mkdtempSync(join(tmpdir(), 'signet-sessions-'));
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SIGNET_FRAMEWORK: framework, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    resolve(code);
  }));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) {
        const started = { child, port: Number(match[1]), output: () => output, exited };
        running.push(started);
        resolve(started);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      reject(new Error(`exited ${String(code)} before listening:\n${output}`));
    });
  });
}

/** Stops a started server and waits for it (its output is then complete). */
async function stop(server: Started): Promise<string> {
  server.child.kill('SIGTERM');
  await server.exited;
  return server.output();
}

function run(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: mkdtempSync(join(tmpdir(), 'signet-sessions-')),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SIGNET_FRAMEWORK: framework, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

afterEach(async () => {
  for (const server of running.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) await stop(server);
});

/** The same request sequence (with a cookie jar each) against two servers; the bodies with the session value masked. */
async function visit(port: number, paths: readonly string[]): Promise<{ answers: Answer[]; bodies: string[] }> {
  const jar = new CookieJar();
  const answers: Answer[] = [];
  const bodies: string[] = [];
  for (const path of paths) {
    const sent = jar.get('session');
    const answer = await httpRequest(port, path, { headers: jar.cookies.size === 0 ? {} : { cookie: jar.header() } });
    answers.push(answer);
    bodies.push(sent === undefined ? answer.body : answer.body.split(sent).join('<session>'));
    jar.store(answer);
  }
  return { answers, bodies };
}

for (const on of FRAMEWORKS) {
  describe(`The lesson server process on ${FRAMEWORK_NAMES[on]} with session settings from the environment`, () => {
    before(() => {
      framework = on;
    });

    it('SESSION_FORMAT=sealed: the session cookie is an S2 token under the lesson key, and the lesson answers as with Flask format', async () => {
      const [sealed, flask] = await Promise.all([
        start({ SECRET_KEY: `hex:${LESSON_HEX}`, SESSION_FORMAT: 'sealed' }),
        start({ SECRET_KEY: `hex:${LESSON_HEX}` }),
      ]);
      const paths = ['/sessions/hello', '/sessions/goodnight', '/sessions/hello', '/sessions/nothing'];
      const [fromSealed, fromFlask] = await Promise.all([visit(sealed.port, paths), visit(flask.port, paths)]);
      assert.deepEqual(fromSealed.bodies, fromFlask.bodies);
      assert.deepEqual(
        fromSealed.answers.map((a) => [a.status, a.headers['content-type'], a.headers.vary]),
        fromFlask.answers.map((a) => [a.status, a.headers['content-type'], a.headers.vary]),
      );
      const first = fromSealed.answers[0] as Answer;
      const header = setCookieFor(first, 'session') ?? '';
      assert.match(header, /^session=S2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+; HttpOnly; Path=\/$/, 'the lesson keeps Flask cookie attributes');
      assert.equal(setCookieFor(first, 'mouse'), 'mouse=Cookie; Path=/');
      const token = cookieValue(header);
      assert.equal(parseToken(token).keyId, referenceKey(LESSON_KEY, 'session').id);
      assert.deepEqual(readPlaintext(referenceOpen(token, LESSON_KEY, 'session')).data, { goodnight: 'Moon', hello: 'World' });
      assert.ok(fromFlask.answers.every((a) => setCookieFor(a, 'session')?.startsWith(`session=${DEFAULT_PAYLOAD}.`) ?? false));
      const output = await stop(sealed);
      assert.doesNotMatch(output, /ignored the session cookie/);
    });

    it('SESSION_FORMAT=sealed with SESSION_MIGRATE_FLASK=1 accepts a cookie Flask signed for the lesson and re-issues it sealed; without it the cookie is ignored', async () => {
      const flaskCookie = await oracle.sign(oracleSecret(LESSON_KEY), SIGNED_DATA, realNow() - 5);
      const [migrating, sealedOnly] = await Promise.all([
        start({ SECRET_KEY: `hex:${LESSON_HEX}`, SESSION_FORMAT: 'sealed', SESSION_MIGRATE_FLASK: '1' }),
        start({ SECRET_KEY: `hex:${LESSON_HEX}`, SESSION_FORMAT: 'sealed' }),
      ]);
      const migrated = await httpRequest(migrating.port, '/sessions/hello', { headers: { cookie: `session=${flaskCookie}` } });
      assert.equal(migrated.status, 200);
      assert.equal(bodyOf(migrated).session.session_value, 'Signed');
      const token = cookieValue(setCookieFor(migrated, 'session') ?? '');
      assert.ok(token.startsWith('S2.'), token);
      assert.deepEqual(readPlaintext(referenceOpen(token, LESSON_KEY, 'session')).data, { goodnight: 'Moon', hello: 'Signed' });
      // The sealed cookie is then read back as it is.
      const again = await httpRequest(migrating.port, '/sessions/hello', { headers: { cookie: `session=${token}` } });
      assert.equal(bodyOf(again).session.session_value, 'Signed');
      assert.doesNotMatch(await stop(migrating), /ignored/);

      const refused = await httpRequest(sealedOnly.port, '/sessions/hello', { headers: { cookie: `session=${flaskCookie}` } });
      assert.equal(bodyOf(refused).session.session_value, 'World');
      assert.match(await stop(sealedOnly), /GET \/sessions\/hello: ignored the session cookie: /);
    });

    it('SECRET_KEY_FALLBACKS: a cookie Flask signed with an old key is kept and re-issued under SECRET_KEY; without the fallback it is ignored', async () => {
      const oldCookie = await oracle.sign(oracleSecret(LESSON_KEY), SIGNED_DATA, realNow() - 5);
      const [rotated, plain] = await Promise.all([
        start({ SECRET_KEY: `hex:${NEW_HEX}`, SECRET_KEY_FALLBACKS: `hex:${LESSON_HEX}, hex:${OTHER_HEX}` }),
        start({ SECRET_KEY: `hex:${NEW_HEX}` }),
      ]);
      const answer = await httpRequest(rotated.port, '/sessions/hello', { headers: { cookie: `session=${oldCookie}` } });
      assert.equal(bodyOf(answer).session.session_value, 'Signed');
      const reissued = cookieValue(setCookieFor(answer, 'session') ?? '');
      const now = realNow() + 1;
      const underNew = await oracle.load(oracleSecret(Buffer.from(NEW_HEX, 'hex')), reissued, now, { expect: SIGNED_DATA });
      assert.ok(underNew.ok && underNew.equal === true, JSON.stringify(underNew));
      assert.equal((await oracle.load(oracleSecret(LESSON_KEY), reissued, now)).ok, false, 'not signed with the fallback');
      assert.equal((await oracle.load(oracleSecret(Buffer.from(OTHER_HEX, 'hex')), reissued, now)).ok, false);

      const ignored = await httpRequest(plain.port, '/sessions/hello', { headers: { cookie: `session=${oldCookie}` } });
      assert.equal(bodyOf(ignored).session.session_value, 'World');
      assert.match(await stop(plain), /ignored the session cookie: signature-mismatch/);
    });

    it('SESSION_COOKIE_NAME, _SECURE, _HTTPONLY and _SAMESITE shape the cookie, and the session is read back under its name', async () => {
      const server = await start({
        SECRET_KEY: `hex:${NEW_HEX}`,
        SESSION_COOKIE_NAME: '__Host-sid',
        SESSION_COOKIE_SECURE: '1',
        SESSION_COOKIE_HTTPONLY: '0',
        SESSION_COOKIE_SAMESITE: 'strict',
      });
      const first = await httpRequest(server.port, '/sessions/hello');
      const header = setCookieFor(first, '__Host-sid') ?? '';
      assert.match(header, /^__Host-sid=[\w-]+\.[\w-]+\.[\w-]+; Secure; Path=\/; SameSite=Strict$/);
      assert.equal(setCookieFor(first, 'session'), undefined);
      const flaskCookie = await oracle.sign(oracleSecret(Buffer.from(NEW_HEX, 'hex')), SIGNED_DATA, realNow() - 5);
      const second = await httpRequest(server.port, '/sessions/hello', { headers: { cookie: `session=${flaskCookie}; __Host-sid=${flaskCookie}` } });
      assert.equal(bodyOf(second).session.session_value, 'Signed');
    });

    it("SESSION_COOKIE_SECURE=auto sets Secure only for X-Forwarded-Proto: https from a trusted proxy (TRUST_PROXY)", async () => {
      const [trusting, distrusting] = await Promise.all([
        start({ SECRET_KEY: `hex:${NEW_HEX}`, SESSION_COOKIE_SECURE: 'auto', TRUST_PROXY: '1' }),
        start({ SECRET_KEY: `hex:${NEW_HEX}`, SESSION_COOKIE_SECURE: 'auto' }),
      ]);
      const https = { 'x-forwarded-proto': 'https' };
      assert.match(setCookieFor(await httpRequest(trusting.port, '/sessions/hello', { headers: https }), 'session') ?? '', /; Secure; HttpOnly; Path=\/$/);
      assert.doesNotMatch(setCookieFor(await httpRequest(trusting.port, '/sessions/hello'), 'session') ?? '', /Secure/);
      const spoofed = setCookieFor(await httpRequest(distrusting.port, '/sessions/hello', { headers: https }), 'session') ?? '';
      assert.match(spoofed, /^session=/);
      assert.doesNotMatch(spoofed, /Secure/);
    });

    it('PERMANENT_SESSION_LIFETIME is the longest a cookie stays valid, and a permanent session expires that far ahead', async () => {
      const permanent = { dict: [...SIGNED_DATA.dict, ['_permanent', { bool: true }]] } as const;
      const signedAt = realNow() - 120;
      const oldCookie = await oracle.sign(oracleSecret(LESSON_KEY), permanent, signedAt);
      const [short, long] = await Promise.all([
        start({ SECRET_KEY: `hex:${LESSON_HEX}`, PERMANENT_SESSION_LIFETIME: '60' }),
        start({ SECRET_KEY: `hex:${LESSON_HEX}`, PERMANENT_SESSION_LIFETIME: '3600' }),
      ]);
      assert.equal(bodyOf(await httpRequest(short.port, '/sessions/hello', { headers: { cookie: `session=${oldCookie}` } })).session.session_value, 'World');
      assert.match(await stop(short), /ignored the session cookie: expired/);
      const before = realNow();
      const kept = await httpRequest(long.port, '/sessions/hello', { headers: { cookie: `session=${oldCookie}` } });
      const afterwards = realNow();
      assert.equal(bodyOf(kept).session.session_value, 'Signed');
      const expires = /; Expires=([^;]+);/.exec(setCookieFor(kept, 'session') ?? '')?.[1] ?? '';
      const expiresAt = Date.parse(expires) / 1000;
      assert.ok(expiresAt >= before + 3600 && expiresAt <= afterwards + 3600, `Expires ${expires}`);
    });

    it('MAX_COOKIE_SIZE=100: the lesson answers 500 JSON saying the cookie would be N bytes over the limit, and logs it', async () => {
      const server = await start({ SECRET_KEY: `hex:${LESSON_HEX}`, MAX_COOKIE_SIZE: '100' });
      const answer = await httpRequest(server.port, '/sessions/hello');
      assert.equal(answer.status, 500);
      assert.equal(answer.headers['content-type'], 'application/json');
      assert.equal(setCookieFor(answer, 'session'), undefined);
      // session=<payload>.<6-char timestamp>.<27-char signature>; HttpOnly; Path=/
      const expectedSize = 'session='.length + DEFAULT_PAYLOAD.length + 1 + 6 + 1 + 27 + '; HttpOnly; Path=/'.length;
      const { error } = JSON.parse(answer.body) as { error: string };
      assert.match(error, new RegExp(`would be ${expectedSize} bytes .*over the 100-byte limit`));
      const output = await stop(server);
      assert.match(output, new RegExp(`GET /sessions/hello: The session cookie would be ${expectedSize} bytes`));
      assert.match(output, /GET \/sessions\/hello 500 /);
    });

    it('refuses to start with a bad session setting, exiting 1 with a message naming the variable', async () => {
      const cases: readonly [Record<string, string>, RegExp][] = [
        [{ SESSION_COOKIE_NAME: '__Host-s' }, /SESSION_COOKIE_NAME is invalid: "__Host-s".*SESSION_COOKIE_SECURE/],
        [{ SESSION_COOKIE_NAME: '__Secure-s' }, /SESSION_COOKIE_NAME is invalid/],
        [{ SESSION_COOKIE_NAME: 'my session' }, /SESSION_COOKIE_NAME is invalid/],
        [{ SESSION_FORMAT: 'xml' }, /SESSION_FORMAT is invalid: "xml"/],
        [{ SESSION_IDLE_TIMEOUT: 'abc' }, /SESSION_IDLE_TIMEOUT is invalid: "abc"/],
        [{ SESSION_IDLE_TIMEOUT: '0' }, /SESSION_IDLE_TIMEOUT is invalid/],
        [{ SESSION_ABSOLUTE_TIMEOUT: '1.5' }, /SESSION_ABSOLUTE_TIMEOUT is invalid/],
        [{ PERMANENT_SESSION_LIFETIME: '-1' }, /PERMANENT_SESSION_LIFETIME is invalid/],
        [{ MAX_COOKIE_SIZE: '10' }, /MAX_COOKIE_SIZE is invalid/],
        [{ SECRET_KEY_FALLBACKS: 'hex:zz' }, /SECRET_KEY_FALLBACKS\[0\] is invalid/],
        [{ SECRET_KEY_FALLBACKS: `hex:${OTHER_HEX},base64:!!` }, /SECRET_KEY_FALLBACKS\[1\] is invalid/],
        [{ SESSION_COOKIE_SAMESITE: 'None' }, /SESSION_COOKIE_SAMESITE is invalid/],
        [{ SESSION_COOKIE_SAMESITE: 'sometimes' }, /SESSION_COOKIE_SAMESITE is invalid/],
        [{ SESSION_COOKIE_SECURE: 'maybe' }, /SESSION_COOKIE_SECURE is invalid/],
        [{ SESSION_COOKIE_PARTITIONED: '1' }, /SESSION_COOKIE_PARTITIONED is invalid/],
        [{ SESSION_COOKIE_PATH: 'app' }, /SESSION_COOKIE_PATH is invalid/],
        [{ SESSION_MIGRATE_FLASK: '1' }, /SESSION_MIGRATE_FLASK is invalid/],
        [{ SESSION_REFRESH_EACH_REQUEST: 'sometimes' }, /SESSION_REFRESH_EACH_REQUEST is invalid/],
      ];
      const results = await Promise.all(cases.map(([env]) => run({ SECRET_KEY: `hex:${NEW_HEX}`, ...env })));
      results.forEach(({ code, output }, i) => {
        const [env, pattern] = cases[i] as [Record<string, string>, RegExp];
        assert.equal(code, 1, `${JSON.stringify(env)}: ${output}`);
        assert.match(output, /^signet: cannot start: /m, JSON.stringify(env));
        assert.match(output, pattern, `${JSON.stringify(env)}: ${output}`);
        assert.doesNotMatch(output, /lesson API is on/);
      });
      assert.doesNotMatch(results[9]?.output ?? '', /hex:zz/, 'a secret is described, never echoed');
    });

    it('SESSION_COOKIE_PATH with non-ASCII characters is refused at startup, or written so that the answer can carry it', async () => {
      let server: Started;
      try {
        server = await start({ SECRET_KEY: `hex:${NEW_HEX}`, SESSION_COOKIE_PATH: '/日本' });
      } catch (error) {
        assert.match(String(error), /exited 1 before listening[^]*SESSION_COOKIE_PATH is invalid/);
        return;
      }
      const answer = await httpRequest(server.port, '/sessions/hello');
      assert.equal(answer.status, 200, answer.body);
      assert.match(setCookieFor(answer, 'session') ?? '', /; Path=\/%E6%97%A5%E6%9C%AC$/, 'as Werkzeug writes it');
    });

    it('warns at startup that the 16-byte lesson key is weak, and not about a 32-byte key', async () => {
      const [weak, strong] = await Promise.all([start({ SECRET_KEY: `hex:${LESSON_HEX}` }), start({ SECRET_KEY: `hex:${NEW_HEX}` })]);
      const weakOutput = await stop(weak);
      assert.match(weakOutput, /warning: SECRET_KEY is weak: 16 bytes; use 32 random bytes or more/);
      assert.ok(weakOutput.indexOf('weak') < weakOutput.indexOf('lesson API is on'), 'said before the server is announced');
      assert.doesNotMatch(await stop(strong), /weak/);
    });
  });
}

// ---------------------------------------------------------------------------
// In-process, with an injected clock

for (const on of FRAMEWORKS) {
  describe(`The lesson server on ${FRAMEWORK_NAMES[on]} with session timeouts, in-process with an injected clock`, () => {
    before(() => {
      framework = on;
    });

    const T0 = 1_700_000_000;
    let seconds = T0;
    const clock = (): number => seconds * 1000;
    const apps: LessonServer[] = [];
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
    });

    async function serve(session: NonNullable<LessonServerOptions['session']>): Promise<{ port: number; log: string[] }> {
      const log: string[] = [];
      const app = await buildServer({ framework, secret: LESSON_KEY, session, clock, log: (line) => log.push(line) });
      await app.listen({ port: 0, host: '127.0.0.1' });
      apps.push(app);
      return { port: (app.server.address() as AddressInfo).port, log };
    }

    /** GET /sessions/hello with a session cookie at second `at`: the value shown and the re-issued cookie. */
    async function hello(port: number, at: number, cookie: string): Promise<{ value: unknown; cookie: string }> {
      seconds = at;
      const answer = await httpRequest(port, '/sessions/hello', { headers: { cookie: `session=${cookie}` } });
      assert.equal(answer.status, 200);
      return { value: bodyOf(answer).session.session_value, cookie: cookieValue(setCookieFor(answer, 'session') ?? '') };
    }

    const startingCookie = async (format: 'flask' | 'sealed'): Promise<string> =>
      format === 'flask'
        ? oracle.sign(oracleSecret(LESSON_KEY), SIGNED_DATA, T0)
        : referenceSeal({ createdAt: T0, issuedAt: T0, expiresAt: T0 + LIFETIME }, '{"goodnight":"Moon","hello":"Signed"}', LESSON_KEY, 'session');

    for (const format of ['flask', 'sealed'] as const) {
      it(`${format}: SESSION_IDLE_TIMEOUT keeps a session through exactly the limit, refreshes it on use, and ends it one second over`, async () => {
        const { port, log } = await serve({ format, idleTimeout: 60 });
        const start = await startingCookie(format);
        const atLimit = await hello(port, T0 + 60, start);
        assert.equal(atLimit.value, 'Signed');
        const used = await hello(port, T0 + 110, atLimit.cookie);
        assert.equal(used.value, 'Signed', 'used 50 seconds after its last issue');
        assert.equal((await hello(port, T0 + 171, used.cookie)).value, 'World', '61 seconds after its last issue');
        assert.equal(log.filter((line) => /ignored the session cookie: idle-timeout/.test(line)).length, 1, log.join('\n'));
        assert.equal((await hello(port, T0 + 171, start)).value, 'World', 'the first cookie too');
      });

      it(`${format}: SESSION_ABSOLUTE_TIMEOUT ends an active session at its limit from the start`, async () => {
        const { port, log } = await serve({ format, idleTimeout: 60, absoluteTimeout: 120 });
        let cookie = await startingCookie(format);
        for (const at of [T0 + 50, T0 + 100, T0 + 120]) {
          const answer = await hello(port, at, cookie);
          assert.equal(answer.value, 'Signed', `at +${at - T0}`);
          cookie = answer.cookie;
        }
        assert.equal((await hello(port, T0 + 121, cookie)).value, 'World', 'last used a second ago, but begun 121 seconds ago');
        assert.match(log.join('\n'), /ignored the session cookie: absolute-timeout/);
      });
    }
  });
}
