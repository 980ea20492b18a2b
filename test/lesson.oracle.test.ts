/**
 * The lesson API against its Flask original, over real HTTP: every request sequence
 * goes to test/oracle/lesson_app.py under Debian's Flask 2.2.2 (/usr/bin/python3) and
 * to our server on each framework it runs on (Fastify, Express, Hono), and the answers must match: status, body bytes, Content-Type,
 * Content-Length, Allow, Vary, and every Set-Cookie in order. In the session cookie the
 * timestamp and signature segments are left out (the two servers sign at their own
 * second); its payload segment and attributes are compared exactly.
 *
 * Sessions with chosen contents are made by Flask itself (`lesson_app.py sign`: its
 * tagged JSON serializer and its session interface's signer, with the lesson key).
 *
 * Where Flask crashes (500 HTML) or answers an HTML error page, the test says so: it
 * asserts what Flask did and that ours answers the documented JSON error instead.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type Framework, type LessonServer } from 'signet-lesson/server/app';

const PYTHON = '/usr/bin/python3';
const LESSON_APP = fileURLToPath(new URL('../../test/oracle/lesson_app.py', import.meta.url));
const LESSON_KEY = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');
/** The payload of `{"goodnight": "Moon", "hello": "World"}`, as Flask writes it. */
const DEFAULT_PAYLOAD = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9';
const FLASK_HTML = 'text/html; charset=utf-8';
const ALLOW = 'GET, HEAD, OPTIONS';

// ---------------------------------------------------------------------------
// Sessions signed by Flask (lesson_app.py sign), by name.

interface SignSpec {
  /** Flask's tagged JSON text of the session: {" t": [...]} is a tuple, and so on. */
  readonly session?: string;
  /** Hex of another secret key to sign with. */
  readonly key?: string;
  /** Text to sign as the payload as it is (validly signed garbage). */
  readonly raw?: string;
}

const SIGNED = {
  custom: { session: '{"hello": "Signed", "goodnight": "Moon"}' },
  otherKey: { session: '{"hello": "Signed", "goodnight": "Moon"}', key: '00112233445566778899aabbccddeeff' },
  extras: {
    session: '{"hello": "Hi", "extra": [1, {"b": null, "a": "x"}], "zero": 0, "none": null, "empty": "", "list": [], "f": false, "obj": {}}',
  },
  falsyEmpty: { session: '{"hello": "", "goodnight": "Night"}' },
  falsyZero: { session: '{"hello": 0, "goodnight": 0.0}' },
  falsyNull: { session: '{"hello": null, "goodnight": "Night"}' },
  falsyList: { session: '{"hello": [], "goodnight": {}}' },
  falsyFalse: { session: '{"hello": false, "goodnight": false}' },
  truthy: { session: '{"hello": [0], "goodnight": true}' },
  tuple: { session: '{"v": {" t": [1, "a", {" t": []}, [2.5]]}}' },
  uuid: { session: '{"v": {" u": "12345678123456781234567812345678"}}' },
  datetime: { session: '{"v": {" d": "Wed, 21 Oct 2015 07:28:00 GMT"}}' },
  markup: { session: '{"v": {" m": "<b>caf\\u00e9 &amp; \\"x\\"</b>"}}' },
  floatOne: { session: '{"v": 1.0}' },
  floats: { session: '{"v": [-0.0, 1e16, 1e-05, 0.1, 123456789.125, 1.5e300, -2.5e-300]}' },
  nonFinite: { session: '{"v": [NaN, Infinity, -Infinity]}' },
  bigInt: { session: '{"v": [123456789012345678901234567890, -98765432109876543210, 9007199254740993]}' },
  text: { session: '{"v": "caf\\u00e9 \\ud83d\\ude00 \\u007f \\u0000 \\t </script> \\\\ \\"q\\" \\u2028"}' },
  keyOrder: { session: '{"v": {"\\ud83d\\ude00": 1, "\\uff01": 2, "b": 3, "B": 4, "10": 5, "9": 6, "": 7}}' },
  taggedKey: { session: '{"v": {" di": {" t__": [1, 2]}}}' },
  flashes: { session: '{"_flashes": [{" t": ["message", "Hi"]}], "hello": "World"}' },
  bytes: { session: '{"v": {" b": "aGk="}}' },
  permanent: { session: '{"_permanent": true, "hello": "Forever"}' },
  compressed: { session: `{"hello": "${'ab'.repeat(150)}", "v": [${Array.from({ length: 40 }, (_, i) => String(i % 3)).join(', ')}]}` },
  unicodeKey: { session: '{"caf\\u00e9": "au lait"}' },
  percentKey: { session: '{"%ZZ": "kept"}' },
  percentKey2: { session: '{"h%65llo": "raw"}' },
  // With the defaults, 65 bytes of JSON that Python's zlib shrinks to 63: compressed.
  compressBorder: { session: '{"%ZZ": "kept", "h%65llo": "raw"}' },
  notDict: { raw: '[1, 2]' },
  notJson: { raw: 'not json' },
  badTag: { raw: '{"hello": {" u": "zz"}}' },
} satisfies Record<string, SignSpec>;
type SignedName = keyof typeof SIGNED;

function signWithFlask(specs: readonly SignSpec[]): string[] {
  const input = specs.map((spec) => JSON.stringify(spec)).join('\n') + '\n';
  const output = execFileSync(PYTHON, [LESSON_APP, 'sign'], { input, encoding: 'utf8' });
  return output.trim().split('\n').map((line) => (JSON.parse(line) as { cookie: string }).cookie);
}

// ---------------------------------------------------------------------------
// HTTP

interface Req {
  readonly method?: string;
  readonly path: string;
  /** The Cookie header, one char per byte (latin1): sent as those exact bytes. */
  readonly cookie?: string;
  /** Send the cookie jar (as a browser would) instead of `cookie`. */
  readonly jar?: boolean;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const agent = new Agent({ keepAlive: false });

function send(port: number, req: Req, cookie = req.cookie): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = {};
    if (cookie !== undefined) headers.cookie = cookie;
    const outgoing = request({ host: '127.0.0.1', port, method: req.method ?? 'GET', path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A browser's cookie store for one host: name -> value, in creation order. */
type Jar = Map<string, string>;

const jarHeader = (jar: Jar): string => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

function storeCookies(jar: Jar, answer: Answer): void {
  for (const header of answer.headers['set-cookie'] ?? []) {
    const pair = header.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    if (/;\s*Max-Age=0(;|$)/i.test(header)) jar.delete(name);
    else jar.set(name, pair.slice(eq + 1));
  }
}

// ---------------------------------------------------------------------------
// Comparing answers

/** `payload.ts.sig` -> `payload.<ts>.<sig>`, checking the two left-out segments' shapes. */
function maskSessionValue(value: string): string {
  const parts = value.split('.');
  const sig = parts.pop() ?? '';
  const ts = parts.pop() ?? '';
  assert.ok(parts.length >= 1, `a session cookie has three segments: ${value}`);
  assert.match(ts, /^[A-Za-z0-9_-]{6}$/, `the timestamp segment of ${value}`);
  assert.match(sig, /^[A-Za-z0-9_-]{27}$/, `the signature segment of ${value}`);
  return `${parts.join('.')}.<ts>.<sig>`;
}

function maskSetCookie(header: string): string {
  const match = /^session=([^;]+)(.*)$/.exec(header);
  if (match === null) return header;
  const rest = (match[2] ?? '').replace(/; Expires=[^;]*/, '; Expires=<expires>');
  return `session=${maskSessionValue(match[1] ?? '')}${rest}`;
}

function sessionCookieOf(answer: Answer): string | undefined {
  for (const header of answer.headers['set-cookie'] ?? []) {
    const match = /^session=([^;]*)/.exec(header);
    if (match !== null) return match[1];
  }
  return undefined;
}

function expiresOf(answer: Answer): number | undefined {
  for (const header of answer.headers['set-cookie'] ?? []) {
    const match = /^session=.*; Expires=([^;]*)/.exec(header);
    if (match !== null) return Date.parse(match[1] ?? '');
  }
  return undefined;
}

interface Sent {
  readonly req: Req;
  /** The session value sent from the jar: each server gets its own, so it is masked in the body. */
  readonly jarSession?: string;
}

/** Headers about the connection, which each server writes its own way. */
const TRANSPORT = new Set(['date', 'server', 'connection', 'keep-alive']);
/** What ours adds to every answer on purpose (README: where we differ from Flask on purpose). */
const DELIBERATE: Readonly<Record<string, string>> = { 'x-content-type-options': 'nosniff' };

/** The names of the headers that must match Flask's: all but the transport and the deliberate ones. */
const headerNames = (answer: Answer): string[] => Object.keys(answer.headers).filter((name) => !TRANSPORT.has(name) && !(name in DELIBERATE)).sort();

/** Ours carries the deliberate headers, with their values. */
function assertDeliberate(ours: Answer, what: string): void {
  for (const [name, value] of Object.entries(DELIBERATE)) assert.equal(ours.headers[name], value, `${name} on ${what}`);
}

function view(answer: Answer, sent: Sent): Record<string, unknown> {
  let body = answer.body.toString('latin1'); // one char per byte: equal strings are equal bytes
  if (sent.jarSession !== undefined && sent.jarSession !== '') body = body.split(sent.jarSession).join(maskSessionValue(sent.jarSession));
  return {
    status: answer.status,
    contentType: answer.headers['content-type'],
    contentLength: answer.headers['content-length'],
    // Werkzeug lists the allowed methods from a Python set: their order changes with the
    // process's string hash seed. Compared as a set; ours is checked to be GET, HEAD, OPTIONS.
    allow: answer.headers.allow?.split(', ').sort().join(', '),
    vary: answer.headers.vary,
    setCookie: (answer.headers['set-cookie'] ?? []).map(maskSetCookie),
    headers: headerNames(answer),
    body,
  };
}

const describeReq = (sent: Sent): string =>
  `${sent.req.method ?? 'GET'} ${sent.req.path}${sent.req.jar === true ? ' (jar)' : ''} Cookie: ${JSON.stringify(sent.req.jar === true ? `[jar] session=${sent.jarSession ?? ''}` : sent.req.cookie)}`;

// ---------------------------------------------------------------------------
// The two servers

let flask: ChildProcess | undefined;
let flaskExited: Promise<unknown> = Promise.resolve();
let flaskOutput = '';
let flaskPort = 0;
const servers = new Map<Framework, { readonly app: LessonServer; readonly port: number; readonly log: string[] }>();
/** The server the tests talk to now, and its log: one framework at a time. */
let ourPort = 0;
let logLines: string[] = [];
const signed = new Map<SignedName, string>();
let compared = 0;

function startFlask(): Promise<number> {
  const child = spawn(PYTHON, [LESSON_APP, 'serve', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  flask = child;
  flaskExited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      flaskOutput += chunk.toString('utf8');
      const match = /^listening (\d+)$/m.exec(flaskOutput);
      if (match !== null) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`the Flask oracle exited (${String(code)}) before listening:\n${flaskOutput}`));
    });
  });
}

function sig(name: SignedName): string {
  const value = signed.get(name);
  assert.ok(value !== undefined, `no signed cookie ${name}`);
  return value;
}

type Visit = (req: Req) => Promise<Answer>;

/** Runs `script` against one server with a fresh cookie jar, recording what it sent and got. */
async function record(port: number, script: (visit: Visit) => Promise<void>): Promise<Array<{ sent: Sent; answer: Answer }>> {
  const jar: Jar = new Map();
  const steps: Array<{ sent: Sent; answer: Answer }> = [];
  await script(async (req) => {
    const jarSession = req.jar === true ? jar.get('session') : undefined;
    const answer = await send(port, req, req.jar === true ? jarHeader(jar) : req.cookie);
    storeCookies(jar, answer);
    steps.push({ sent: jarSession === undefined ? { req } : { req, jarSession }, answer });
    return answer;
  });
  return steps;
}

/**
 * The same script against Flask and against ours: every answer must match. Returns the
 * answers (Flask's, ours) for further checks.
 */
async function sameAnswers(script: (visit: Visit) => Promise<void>): Promise<{ flask: Answer[]; ours: Answer[] }> {
  const fromFlask = await record(flaskPort, script);
  const fromOurs = await record(ourPort, script);
  assert.equal(fromOurs.length, fromFlask.length);
  fromFlask.forEach((flaskStep, i) => {
    const ourStep = fromOurs[i];
    assert.ok(ourStep !== undefined);
    assert.deepEqual(view(ourStep.answer, ourStep.sent), view(flaskStep.answer, flaskStep.sent), `step ${i + 1}: ${describeReq(flaskStep.sent)}`);
    assertDeliberate(ourStep.answer, `step ${i + 1}: ${describeReq(flaskStep.sent)}`);
    const flaskExpires = expiresOf(flaskStep.answer);
    const ourExpires = expiresOf(ourStep.answer);
    if (flaskExpires !== undefined && ourExpires !== undefined) {
      assert.ok(Math.abs(flaskExpires - ourExpires) <= 3000, `Expires ${String(ourExpires)} vs Flask's ${String(flaskExpires)}`);
    }
  });
  compared++;
  return { flask: fromFlask.map((step) => step.answer), ours: fromOurs.map((step) => step.answer) };
}

async function same(req: Req): Promise<{ flask: Answer; ours: Answer }> {
  const { flask: [fromFlask], ours: [fromOurs] } = await sameAnswers(async (visit) => {
    await visit(req);
  });
  assert.ok(fromFlask !== undefined && fromOurs !== undefined);
  return { flask: fromFlask, ours: fromOurs };
}

const json = (answer: Answer): unknown => JSON.parse(answer.body.toString('utf8'));
const sessionValue = (answer: Answer): unknown => (json(answer) as { session: { session_value: unknown } }).session.session_value;

function assertJsonError(answer: Answer, status: number, includes: string): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers['content-type'], 'application/json');
  const body = json(answer) as { error?: unknown };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(typeof body.error, 'string');
  assert.ok(String(body.error).includes(includes), `${String(body.error)} names ${includes}`);
  assert.equal(answer.headers['content-length'], String(answer.body.length));
}

/**
 * Flask crashes on this request (500 HTML page); ours answers the JSON error. The
 * headers both write around it (Vary, the session's Set-Cookie, no mouse) still match.
 */
async function flaskCrashes(req: Req, ourStatus: number, includes: string): Promise<{ flask: Answer; ours: Answer }> {
  const fromFlask = await send(flaskPort, req);
  const fromOurs = await send(ourPort, req);
  assert.equal(fromFlask.status, 500, 'Flask answers 500');
  assert.equal(fromFlask.headers['content-type'], FLASK_HTML);
  assert.match(fromFlask.body.toString('utf8'), /<title>500 Internal Server Error<\/title>/);
  assertJsonError(fromOurs, ourStatus, includes);
  const headers = (answer: Answer, sent: Sent): unknown => {
    const { vary, setCookie, allow } = view(answer, sent);
    return { vary, setCookie, allow };
  };
  assert.deepEqual(headers(fromOurs, { req }), headers(fromFlask, { req }));
  assertDeliberate(fromOurs, describeReq({ req }));
  compared++;
  return { flask: fromFlask, ours: fromOurs };
}

/** Flask answers an HTML error page; ours the same status and headers with a JSON body. */
async function sameButJson(req: Req, status: number, includes: string): Promise<void> {
  const fromFlask = await send(flaskPort, req);
  const fromOurs = await send(ourPort, req);
  assert.equal(fromFlask.status, status);
  assert.equal(fromFlask.headers['content-type'], FLASK_HTML);
  if (req.method !== 'HEAD') assertJsonError(fromOurs, status, includes);
  else assert.equal(fromOurs.status, status);
  const headers = (answer: Answer): unknown => {
    const { status: code, vary, setCookie, allow } = view(answer, { req });
    return { code, vary, setCookie, allow };
  };
  assert.deepEqual(headers(fromOurs), headers(fromFlask));
  assertDeliberate(fromOurs, describeReq({ req }));
  if (status === 405) assert.equal(fromOurs.headers.allow, ALLOW);
  compared++;
}

/**
 * What Flask answers when it ignores the session cookie `value` in `cookieHeader`: its
 * answer to the same header with the cookie's signature broken (a middle character
 * changed), the broken value written back as `value` where the body echoes it.
 */
async function flaskIgnoring(path: string, cookieHeader: string, value: string): Promise<Answer> {
  const at = value.length - 10;
  const broken = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
  const answer = await send(flaskPort, { path }, cookieHeader.split(value).join(broken));
  assert.equal(answer.status, 200);
  return { ...answer, body: Buffer.from(answer.body.toString('latin1').split(broken).join(value), 'latin1') };
}

function logLineFor(path: string): string | undefined {
  return logLines.find((line) => line.startsWith(`GET ${path}: ignored the session cookie:`));
}

before(async () => {
  const names = Object.keys(SIGNED) as SignedName[];
  const cookies = signWithFlask(names.map((name) => SIGNED[name]));
  names.forEach((name, i) => signed.set(name, cookies[i] ?? ''));
  flaskPort = await startFlask();
  for (const framework of FRAMEWORKS) {
    const log: string[] = [];
    const app = await buildServer({ framework, secret: LESSON_KEY, log: (line) => log.push(line) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.set(framework, { app, port: (app.server.address() as AddressInfo).port, log });
  }
});

after(async () => {
  for (const { app } of servers.values()) await app.close();
  if (flask !== undefined && flask.exitCode === null) {
    flask.kill();
    await flaskExited;
  }
  agent.destroy();
  console.log(`lesson.oracle: ${String(compared)} request sequences compared against Flask, on ${FRAMEWORKS.join(', ')}`);
});

// ---------------------------------------------------------------------------

for (const framework of FRAMEWORKS) {
  describe(`the lesson on ${FRAMEWORK_NAMES[framework]}`, () => {
    before(() => {
      const server = servers.get(framework);
      assert.ok(server !== undefined, `the ${framework} server started`);
      ourPort = server.port;
      logLines = server.log;
    });

    describe('the lesson route answers as the Flask original', () => {
      it('answers a first visit to /sessions/hello with Flask\'s exact body and cookies', async () => {
        const { flask: fromFlask } = await same({ path: '/sessions/hello' });
        // The oracle itself, as the shared notes describe it (127 bytes).
        assert.equal(
          fromFlask.body.toString('latin1'),
          '{\n  "cookies": [],\n  "session": {\n    "session_accessed": true,\n    "session_key": "hello",\n    "session_value": "World"\n  }\n}\n',
        );
        assert.equal(sessionCookieOf(fromFlask)?.split('.')[0], DEFAULT_PAYLOAD);
      });

      it('answers a first visit to /sessions/goodnight as Flask does', async () => {
        await same({ path: '/sessions/goodnight' });
      });

      it('ignores a query string as Flask does', async () => {
        await same({ path: '/sessions/hello?x=1&session=2' });
      });

      it('answers return visits that send back both cookies, as a browser would, as Flask does', async () => {
        const { flask: answers } = await sameAnswers(async (visit) => {
          await visit({ path: '/sessions/hello' });
          await visit({ path: '/sessions/goodnight', jar: true });
          await visit({ path: '/sessions/hello', jar: true });
        });
        const third = answers[2];
        assert.ok(third !== undefined);
        const echoed = (json(third) as { cookies: Array<Record<string, string>> }).cookies;
        assert.deepEqual(echoed.map((cookie) => Object.keys(cookie)[0]), ['mouse', 'session']);
      });

      it('echoes an edited mouse cookie (mouse=Mickey) and resets it, as Flask does', async () => {
        await sameAnswers(async (visit) => {
          await visit({ path: '/sessions/hello' });
          await visit({ path: '/sessions/hello', jar: true });
        });
        await sameAnswers(async (visit) => {
          const first = await visit({ path: '/sessions/hello' });
          const session = sessionCookieOf(first) ?? '';
          await visit({ path: '/sessions/goodnight', cookie: `mouse=Mickey; session=${session}` });
        });
        await same({ path: '/sessions/hello', cookie: 'mouse=Mickey' });
      });

      it('reads a session Flask signed with extra keys, keeping them and their falsy values', async () => {
        for (const key of ['hello', 'goodnight', 'extra', 'zero', 'none', 'empty', 'list', 'f', 'obj']) {
          await same({ path: `/sessions/${key}`, cookie: `session=${sig('extras')}` });
        }
      });

      it('replaces falsy hello and goodnight ("", 0, 0.0, null, [], {}, false) by the defaults, as Flask\'s `or` does', async () => {
        for (const name of ['falsyEmpty', 'falsyZero', 'falsyNull', 'falsyList', 'falsyFalse', 'truthy'] as const) {
          for (const key of ['hello', 'goodnight']) await same({ path: `/sessions/${key}`, cookie: `session=${sig(name)}` });
        }
      });

      it('renders Python-typed session values (tuple, UUID, datetime, Markup, floats, big ints, text) as Flask\'s jsonify does', async () => {
        const names = ['tuple', 'uuid', 'datetime', 'markup', 'floatOne', 'floats', 'nonFinite', 'bigInt', 'text', 'keyOrder', 'taggedKey'] as const;
        for (const name of names) {
          const { flask: fromFlask } = await same({ path: '/sessions/v', cookie: `session=${sig(name)}` });
          assert.equal(fromFlask.status, 200, `Flask renders ${name}`);
        }
        const { flask: floatOne } = await same({ path: '/sessions/v', cookie: `session=${sig('floatOne')}` });
        assert.match(floatOne.body.toString('latin1'), /"session_value": 1\.0\n/);
      });

      it('keeps flashed messages, a permanent session (with Expires) and a compressed payload as Flask does', async () => {
        await same({ path: '/sessions/_flashes', cookie: `session=${sig('flashes')}` });
        const { flask: permanent } = await same({ path: '/sessions/hello', cookie: `session=${sig('permanent')}` });
        assert.ok(expiresOf(permanent) !== undefined, 'Flask sets Expires on a permanent session');
        const { flask: compressed } = await same({ path: '/sessions/v', cookie: `session=${sig('compressed')}` });
        assert.ok(sessionCookieOf(compressed)?.startsWith('.'), 'Flask compresses that payload');
      });

      it('compresses the session payload byte for byte as Flask\'s zlib does, and only when Flask does', async () => {
        // Flask: zlib.compress(json) (zlib 1.2.13, level 6), used iff it saves 2+ bytes.
        for (const [name, key] of [['compressed', 'v'], ['extras', 'extra'], ['uuid', 'v'], ['compressBorder', 'hello']] as const) {
          const fromFlask = await send(flaskPort, { path: `/sessions/${key}` }, `session=${sig(name)}`);
          const fromOurs = await send(ourPort, { path: `/sessions/${key}` }, `session=${sig(name)}`);
          const payload = (answer: Answer): string => maskSessionValue(sessionCookieOf(answer) ?? '');
          assert.equal(payload(fromOurs), payload(fromFlask), `the session payload for ${name}`);
          compared++;
        }
      });

      it('accepts a quoted session cookie and takes the first of repeated session cookies, as Flask does', async () => {
        const { flask: quoted } = await same({ path: '/sessions/hello', cookie: `session="${sig('custom')}"` });
        assert.equal(sessionValue(quoted), 'Signed');
        const { flask: firstBad } = await same({ path: '/sessions/hello', cookie: `session=garbage; session=${sig('custom')}` });
        assert.equal(sessionValue(firstBad), 'World');
        const { flask: firstGood } = await same({ path: '/sessions/hello', cookie: `session=${sig('custom')}; session=garbage` });
        assert.equal(sessionValue(firstGood), 'Signed');
      });

      it('reads cookies minted by either server in the other', async () => {
        // Ours re-issues the Flask-signed session; Flask reads ours, and the other way round.
        for (const [from, to] of [[ourPort, flaskPort], [flaskPort, ourPort]] as const) {
          const minted = sessionCookieOf(await send(from, { path: '/sessions/hello' }, `session=${sig('extras')}`));
          assert.ok(minted !== undefined);
          const answer = await send(to, { path: '/sessions/extra' }, `session=${minted}`);
          assert.equal(answer.status, 200);
          assert.deepEqual(sessionValue(answer), [1, { a: 'x', b: null }]);
          assert.equal(sessionValue(await send(to, { path: '/sessions/hello' }, `session=${minted}`)), 'Hi');
          compared++;
        }
      });
    });

    describe('tampered session cookies are ignored as Flask ignores them', () => {
      const tampered = (): Array<[string, string]> => {
        const valid = sig('custom');
        const [payload = '', ts = '', signature = ''] = valid.split('.');
        const flip = (text: string, at: number): string => text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1);
        return [
          ['a character changed in the payload', `${flip(payload, 5)}.${ts}.${signature}`],
          ['a character changed in the timestamp', `${payload}.${flip(ts, 2)}.${signature}`],
          ['a character changed in the signature', `${payload}.${ts}.${flip(signature, 10)}`],
          ['the signature truncated', valid.slice(0, -3)],
          ['the cookie cut after the payload', payload],
          ['garbage', 'garbage'],
          ['garbage with dots', 'a.b.c'],
          ['an empty value', ''],
          ['the session signed with another key', sig('otherKey')],
          ['the valid cookie with a trailing dot', `${valid}.`],
        ];
      };

      it('answers each tampered cookie with a fresh default session, as Flask does', async () => {
        for (const [what, value] of tampered()) {
          const { flask: fromFlask, ours } = await same({ path: '/sessions/hello', cookie: `mouse=Cookie; session=${value}` });
          assert.equal(sessionValue(fromFlask), 'World', `Flask ignores ${what}`);
          assert.equal(sessionCookieOf(ours)?.split('.')[0], DEFAULT_PAYLOAD, what);
        }
        // The untampered cookie is read by both: the tampering is what makes the difference.
        const { flask: valid } = await same({ path: '/sessions/hello', cookie: `mouse=Cookie; session=${sig('custom')}` });
        assert.equal(sessionValue(valid), 'Signed');
      });

      it('logs why it ignored a tampered cookie', async () => {
        const path = '/sessions/hello?log-check';
        await send(ourPort, { path }, `session=${sig('otherKey')}`);
        assert.match(logLineFor(path) ?? '', /signature-mismatch/);
      });
    });

    describe('request cookies are echoed as Werkzeug reads them', () => {
      const headers: Array<[string, string]> = [
        ['a repeated name', 'mouse=a; mouse=b'],
        ['a repeated name among others', 'x=1; mouse=a; y=2; mouse=b; x=3'],
        ['a quoted value with an octal escape', 'a="x\\073y"'],
        ['a quoted value with a space', 'a="with space"'],
        ['quoted values with escaped quotes and backslashes', 'a="q\\"u\\\\o"; b="\\q"; c="\\"'],
        ['an unbalanced quote', 'a="x; b=y"'],
        ['a bare flag', 'flag'],
        ['a bare flag among others', 'a=1; flag; b=2'],
        ['odd spacing', '  a = 1 ;b=2;;  c  =  3  ;   ;d=  '],
        ['tabs', '\ta\t=\t1\t;\tb=2'],
        ['an empty name', '=v; b=1; =; ;'],
        ['percent-encoding, left alone', 'a=%41%20b; b=a+b'],
        ['an equals sign in the value', 'a=b=c; d=='],
        ['non-ASCII UTF-8 bytes', `name=${Buffer.from('café ☕ 😀', 'utf8').toString('latin1')}`],
        ['a non-ASCII name', `${Buffer.from('clé', 'utf8').toString('latin1')}=v`],
        ['invalid UTF-8 bytes', 'x=\xff\xfe\x80; y=\xe2\x82; z=\xed\xa0\x80'],
        ['latin1 bytes in quotes', 'q="\xe9\\351"'],
        ['JSON-looking values', 'a={"k":1}; b=[1,2]'],
        ['a UTF-8 byte order mark leading a value', 'a=\xef\xbb\xbf; b=\xef\xbb\xbfx'],
        ['a UTF-8 byte order mark leading a name', '\xef\xbb\xbfmouse=1'],
      ];
      for (const [what, cookie] of headers) {
        it(`echoes ${what} as Flask does`, async () => {
          await same({ path: '/sessions/hello', cookie });
        });
      }
    });

    describe('errors: where Flask crashes, ours answers JSON', () => {
      it('answers 404 JSON naming the key where Flask crashes with a KeyError (500 HTML)', async () => {
        await flaskCrashes({ path: '/sessions/missing' }, 404, '"missing"');
        await flaskCrashes({ path: '/sessions/missing', cookie: `session=${sig('extras')}; mouse=x` }, 404, '"missing"');
      });

      it('answers 500 JSON where Flask cannot render a bytes value (500 HTML)', async () => {
        await flaskCrashes({ path: '/sessions/v', cookie: `session=${sig('bytes')}` }, 500, '"v"');
      });

      it('answers 404 for unknown routes, like Flask, but in JSON', async () => {
        for (const path of ['/sessions', '/sessions/', '/sessions/hello/', '/sessions/a/b', '/other']) {
          await sameButJson({ path }, 404, 'not found');
          await sameButJson({ path, cookie: `mouse=Cookie; session=${sig('custom')}` }, 404, 'not found');
        }
      });

      it('documents that / is the inspector page here (200 HTML) where Flask answers 404, and that neither touches the cookies', async () => {
        for (const cookie of [undefined, `mouse=Cookie; session=${sig('custom')}`]) {
          const req: Req = cookie === undefined ? { path: '/' } : { path: '/', cookie };
          const fromFlask = await send(flaskPort, req);
          const fromOurs = await send(ourPort, req);
          assert.equal(fromFlask.status, 404, 'Flask has no route at /');
          assert.equal(fromFlask.headers['content-type'], FLASK_HTML);
          assert.equal(fromOurs.status, 200, 'ours serves the inspector page at /');
          assert.equal(fromOurs.headers['content-type'], 'text/html; charset=utf-8');
          assert.match(fromOurs.body.toString('utf8'), /^<!doctype html>/i);
          // Like Flask's 404, the page neither reads nor writes the session.
          assert.deepEqual([fromOurs.headers['set-cookie'], fromOurs.headers.vary], [fromFlask.headers['set-cookie'], fromFlask.headers.vary]);
          assert.deepEqual(fromOurs.headers['set-cookie'], undefined);
          compared++;
        }
      });

      it('answers 405 with Allow for POST, PUT, DELETE and PATCH, like Flask, but in JSON', async () => {
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
          await sameButJson({ method, path: '/sessions/hello' }, 405, method);
          await sameButJson({ method, path: '/sessions/hello', cookie: `session=${sig('custom')}` }, 405, method);
        }
      });

      it('documents that a validly signed payload Flask cannot load is a 500 in Flask and ignored by ours', async () => {
        for (const name of ['notDict', 'notJson', 'badTag'] as const) {
          const value = sig(name);
          const path = `/sessions/hello?${name}`;
          const fromFlask = await send(flaskPort, { path }, `session=${value}`);
          assert.equal(fromFlask.status, 500, `Flask crashes on ${name}`);
          const fromOurs = await send(ourPort, { path }, `session=${value}`);
          const expected = await flaskIgnoring(path, `session=${value}`, value);
          assert.deepEqual(view(fromOurs, { req: { path } }), view(expected, { req: { path } }), name);
          assert.match(logLineFor(path) ?? '', /: payload-/, `a log line names the reason for ${name}`);
          compared++;
        }
      });

      it('documents that Flask accepts a non-canonical spelling of a valid signature and ours does not', async () => {
        // The last of the 27 signature characters carries 2 spare bits; Python's base64 ignores them.
        const valid = sig('custom');
        const last = valid.slice(-1);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const index = alphabet.indexOf(last);
        const other = alphabet[index ^ 1] ?? '';
        const value = valid.slice(0, -1) + other;
        const path = '/sessions/hello?non-canonical';
        const fromFlask = await send(flaskPort, { path }, `session=${value}`);
        assert.equal(sessionValue(fromFlask), 'Signed', 'Flask accepts the non-canonical signature');
        const fromOurs = await send(ourPort, { path }, `session=${value}`);
        const expected = await flaskIgnoring(path, `session=${value}`, value);
        assert.deepEqual(view(fromOurs, { req: { path } }), view(expected, { req: { path } }));
        assert.match(logLineFor(path) ?? '', /signature-mismatch/);
        compared++;
      });
    });

    describe('methods and paths as Werkzeug routes them', () => {
      it('answers HEAD with the headers of GET and no body, as Flask does', async () => {
        const { flask: fromFlask, ours } = await same({ method: 'HEAD', path: '/sessions/hello' });
        assert.equal(fromFlask.body.length, 0);
        const get = await send(ourPort, { path: '/sessions/hello' });
        const withoutBody = (answer: Answer): Record<string, unknown> => ({ ...view(answer, { req: { path: '' } }), body: undefined });
        assert.deepEqual(withoutBody(ours), withoutBody(get));
        await same({ method: 'HEAD', path: '/sessions/hello', cookie: `session=${sig('extras')}` });
        await sameButJson({ method: 'HEAD', path: '/sessions/' }, 404, '');
        await flaskCrashesHead();
      });

      async function flaskCrashesHead(): Promise<void> {
        const req = { method: 'HEAD', path: '/sessions/missing' };
        const fromFlask = await send(flaskPort, req);
        const fromOurs = await send(ourPort, req);
        assert.equal(fromFlask.status, 500);
        assert.equal(fromOurs.status, 404);
        assert.equal(fromOurs.body.length, 0);
        compared++;
      }

      it('answers OPTIONS with 200, Allow and an empty body, as Flask does', async () => {
        const { ours } = await same({ method: 'OPTIONS', path: '/sessions/hello' });
        assert.equal(ours.headers.allow, ALLOW);
        await same({ method: 'OPTIONS', path: '/sessions/missing', cookie: `session=${sig('custom')}` });
      });

      it('answers OPTIONS on an unknown route with 404, like Flask, but in JSON', async () => {
        await sameButJson({ method: 'OPTIONS', path: '/sessions/' }, 404, 'not found');
      });

      it('percent-decodes the key as Werkzeug does', async () => {
        const { flask: decoded } = await same({ path: '/sessions/h%65llo' });
        assert.equal((json(decoded) as { session: { session_key: string } }).session.session_key, 'hello');
        await same({ path: '/sessions/caf%C3%A9', cookie: `session=${sig('unicodeKey')}` });
        await same({ path: '/sessions/%ZZ', cookie: `session=${sig('percentKey')}` });
        await same({ path: '/sessions/h%2565llo', cookie: `session=${sig('percentKey2')}` });
        await flaskCrashes({ path: '/sessions/caf%C3%A9' }, 404, 'caf');
        await flaskCrashes({ path: '/sessions/%ZZ' }, 404, '%ZZ');
        await flaskCrashes({ path: '/sessions/%E9t%E9' }, 404, 't');
      });
    });

    describe('where ours differs from Flask on purpose', () => {
      /** The raw answer to raw bytes, for requests node:http would not send. */
      function sendRaw(port: number, text: string): Promise<string> {
        return new Promise((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let received = '';
          socket.setEncoding('latin1');
          socket.on('data', (chunk: string) => (received += chunk));
          socket.on('error', reject);
          socket.on('close', () => { resolve(received); });
          socket.end(text);
        });
      }

      it('documents that ours sends X-Content-Type-Options: nosniff with every answer, and Flask with none', async () => {
        const paths: Req[] = [
          { path: '/sessions/hello' },
          { path: '/sessions/missing' },
          { method: 'HEAD', path: '/sessions/hello' },
          { method: 'OPTIONS', path: '/sessions/hello' },
          { method: 'POST', path: '/sessions/hello' },
          { path: '/sessions/' },
          { path: '/sessions/%ZZ' },
        ];
        for (const req of paths) {
          const fromFlask = await send(flaskPort, req);
          const fromOurs = await send(ourPort, req);
          assert.equal(fromFlask.headers['x-content-type-options'], undefined, `Flask: ${describeReq({ req })}`);
          assertDeliberate(fromOurs, describeReq({ req }));
        }
        // Answers Flask has no route for: the inspector's files and decoder, and what Node's parser refuses.
        for (const path of ['/', '/inspector.js', '/favicon.svg', '/favicon.ico', '/inspect/decode']) assertDeliberate(await send(ourPort, { path }), path);
        const decoder = (body: string, type = 'application/json'): string =>
          `POST /inspect/decode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
        const raw: Array<[string, string, RegExp]> = [
          ['a decoded cookie', decoder(JSON.stringify({ cookie: sig('custom') })), /^HTTP\/1\.1 200 /],
          ['a body that is not JSON', decoder('{'), /^HTTP\/1\.1 400 /],
          ['a body over 8 KiB', decoder(JSON.stringify({ cookie: 'x'.repeat(9000) })), /^HTTP\/1\.1 413 /],
          ['a body of another type', decoder('cookie=x', 'text/plain'), /^HTTP\/1\.1 400 /],
          ['malformed HTTP', 'GET /sessions/hello HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n', /^HTTP\/1\.1 400 Bad Request\r\n/],
          ['headers over 16 KiB', `GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
        ];
        for (const [what, text, status] of raw) {
          const answer = await sendRaw(ourPort, text);
          assert.match(answer, status, what);
          assert.match(answer.split('\r\n\r\n')[0] ?? '', /\r\nx-content-type-options: nosniff(\r\n|$)/i, `${what}: ${answer.slice(0, 300)}`);
          assert.match(answer, /\r\ncontent-type: application\/json[;\r]/i, what);
        }
      });

      it('documents that /favicon.ico is the inspector\'s icon here (200, SVG), where Flask answers 404, and that neither touches the cookies', async () => {
        const fromFlask = await send(flaskPort, { path: '/favicon.ico', cookie: `session=${sig('custom')}` });
        const fromOurs = await send(ourPort, { path: '/favicon.ico', cookie: `session=${sig('custom')}` });
        assert.equal(fromFlask.status, 404);
        assert.equal(fromOurs.status, 200);
        assert.equal(fromOurs.headers['content-type'], 'image/svg+xml');
        assert.match(fromOurs.body.toString('utf8'), /^<svg /);
        assert.deepEqual(fromOurs.body, (await send(ourPort, { path: '/favicon.svg' })).body);
        assert.deepEqual([fromOurs.headers['set-cookie'], fromOurs.headers.vary], [fromFlask.headers['set-cookie'], fromFlask.headers.vary]);
        compared++;
      });
    });
  });
}
