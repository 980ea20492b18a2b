/**
 * `POST /inspect/decode` over real HTTP, no browser: the decoder's verdicts on cookies
 * the real Flask signed (test/support/flask-tools.ts, and the oracle's raw signer), its
 * bounds (body size, JSON, rate limit), and two promises kept on every answer: never a
 * 5xx, and never the server's secret in any form.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type Framework, type LessonServer } from 'signet-lesson/server/app';
import { FlaskOracle } from './support/flask-oracle.js';
import { flaskLoad, flaskRepr, flaskSign, secretSpellings, type FlaskSecret } from './support/flask-tools.js';

/** Printable bytes, so that the "raw" form of the key is text that could leak as such. */
const SERVER_KEY = Buffer.from(`signet-decoder-test-key-${randomBytes(12).toString('hex')}`, 'latin1');
const SERVER_SECRET: FlaskSecret = { hex: SERVER_KEY.toString('hex') };
/** Every spelling of the server's key that must never appear. */
const SECRET_FORMS = secretSpellings(SERVER_KEY);
const OTHER_KEY = randomBytes(32);
const MAX_AGE = 31 * 24 * 3600;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

interface Decoded {
  readonly format?: string;
  readonly compressed?: boolean;
  readonly python?: string;
  readonly payloadError?: string;
  readonly signedAt?: number;
  readonly signature?: string;
  readonly verified?: boolean;
  readonly failure?: string;
  readonly verifiedWith?: string;
  readonly checks: readonly { name: string; ok: boolean; detail: string }[];
  readonly error?: string;
}

let answersSeen = 0;

/** Every answer keeps the decoder's promises: no 5xx, JSON, and no trace of the server's key. */
function checkPromises(answer: Answer, what: string): void {
  answersSeen++;
  assert.ok(answer.status < 500, `${what}: answered ${answer.status}: ${answer.text}`);
  const everything = JSON.stringify(answer.headers) + answer.text;
  for (const form of SECRET_FORMS) assert.ok(!everything.includes(form), `${what}: the answer holds the server's key (${form.slice(0, 6)}...)`);
  if (answer.status !== 204) assert.match(String(answer.headers['content-type']), /^application\/json/, `${what}: JSON`);
  JSON.parse(answer.text);
}

function send(port: number, options: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string>; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined && options.chunked !== true) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/inspect/decode', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined && options.chunked === true) {
      // Sent in pieces without a Content-Length: the limit must hold for a streamed body too.
      for (let i = 0; i < body.length; i += 1000) req.write(body.subarray(i, i + 1000));
    } else if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

/** A server with a clock the test moves; each decode request moves it 10 s on, so the rate limit never bites by accident. */
class Rig {
  ms: number;
  app: LessonServer | undefined;
  port = 0;
  readonly log: string[] = [];

  constructor(startMs: number) {
    this.ms = startMs;
  }

  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }

  async start(options: Partial<Parameters<typeof buildServer>[0]> = {}): Promise<void> {
    this.app = await buildServer({ framework, secret: SERVER_KEY, clock: () => this.ms, log: (line) => this.log.push(line), ...options });
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    this.port = (this.app.server.address() as AddressInfo).port;
  }

  async decode(body: unknown, options: { tick?: boolean; cookieHeader?: string; what?: string } = {}): Promise<{ answer: Answer; json: Decoded }> {
    if (options.tick !== false) this.ms += 10_000;
    const answer = await send(this.port, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(options.cookieHeader === undefined ? {} : { cookie: options.cookieHeader }) } });
    checkPromises(answer, options.what ?? JSON.stringify(body).slice(0, 80));
    return { answer, json: JSON.parse(answer.text) as Decoded };
  }

  async get(path: string, cookieHeader?: string): Promise<Answer> {
    return send(this.port, { method: 'GET', path, ...(cookieHeader === undefined ? {} : { headers: { cookie: cookieHeader } }) });
  }
}

const START_MS = Math.floor(Date.now() / 1000) * 1000;
/** The framework the server runs on now: every describe below runs on each. */
let framework: Framework = 'fastify';
let flask = new Rig(START_MS);
let sealed = new Rig(START_MS);
let oracle: FlaskOracle;
const T0 = START_MS / 1000;
const SESSION = '{"hello": "World", "goodnight": "Moon", "t": {" t": [1, "a"]}, "u": {" u": "12345678123456781234567812345678"}}';
let valid = '';
let validRepr = '';
let otherKeyCookie = '';
let textKeyCookie = '';

function changeChar(text: string, at: number): string {
  return text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

function failedCheck(json: Decoded): string | undefined {
  return json.checks.find((check) => !check.ok)?.name;
}

before(async () => {
  oracle = await FlaskOracle.start();
  [valid = '', otherKeyCookie = '', textKeyCookie = ''] = flaskSign([
    { secret: SERVER_SECRET, tagged: SESSION, ts: T0 },
    { secret: { hex: OTHER_KEY.toString('hex') }, tagged: '{"hello": "Other"}', ts: T0 },
    { secret: { text: 'a typed text secret' }, tagged: '{"hello": "Text"}', ts: T0 },
  ]);
  validRepr = flaskRepr(SERVER_SECRET, valid);
});

after(async () => {
  await oracle.close();
});

for (const on of FRAMEWORKS) {
  describe(`The inspector's decoder on ${FRAMEWORK_NAMES[on]}`, () => {
    before(async () => {
      framework = on;
      flask = new Rig(START_MS);
      sealed = new Rig(START_MS);
      await flask.start();
      await sealed.start({ session: { format: 'sealed' } });
    });

    after(async () => {
      await flask.app?.close();
      await sealed.app?.close();
    });

    describe('POST /inspect/decode verdicts', () => {
      it('verifies a cookie Flask signed with the server\'s key, showing its payload as Python does, when and with what', async () => {
        const { answer, json } = await flask.decode({ cookie: valid });
        assert.equal(answer.status, 200);
        assert.equal(json.verified, true);
        assert.equal(json.failure, undefined);
        assert.equal(json.verifiedWith, "the server's key");
        assert.equal(json.format, 'flask');
        assert.equal(json.python, validRepr);
        assert.equal(json.signedAt, T0);
        assert.equal(json.signature, valid.split('.').at(-1));
        assert.ok(json.checks.every((check) => check.ok), JSON.stringify(json.checks));
        for (const name of ['signature', 'timestamp', 'age', 'payload']) assert.ok(json.checks.some((check) => check.name === name), `the ${name} check is listed`);
      });

      it('accepts the cookie pasted as "session=<value>"', async () => {
        const { json } = await flask.decode({ cookie: `session=${valid}` });
        assert.equal(json.verified, true);
        assert.equal(json.python, validRepr);
      });

      it('names the signature as the failed check for a changed character, a forged payload with the old signature, and a changed signature', async () => {
        const [payload = '', ts = '', signature = ''] = valid.split('.');
        const forgedPayload = Buffer.from('{"goodnight":"Moon","hello":"Hacker"}').toString('base64url');
        const cases: [string, string][] = [
          ['a payload character changed', `${changeChar(payload, 7)}.${ts}.${signature}`],
          ['a forged payload', `${forgedPayload}.${ts}.${signature}`],
          ['a signature character changed', `${payload}.${ts}.${changeChar(signature, 10)}`],
          ['a timestamp character changed', `${payload}.${changeChar(ts, 2)}.${signature}`],
        ];
        const verdicts = flaskLoad(cases.map(([, cookie]) => ({ secret: SERVER_SECRET, cookie, now: flask.seconds + 10 })));
        for (const [i, [what, cookie]] of cases.entries()) {
          assert.equal(verdicts[i]?.ok, false, `Flask refuses ${what}`);
          const { answer, json } = await flask.decode({ cookie }, { what });
          assert.equal(answer.status, 200, what);
          assert.equal(json.verified, false, what);
          assert.equal(json.failure, 'signature-mismatch', what);
          assert.equal(failedCheck(json), 'signature', what);
          assert.equal(json.verifiedWith, "the server's key", what);
        }
        const { json: forged } = await flask.decode({ cookie: cases[1]?.[1] ?? '' });
        assert.equal(forged.python, "{'goodnight': 'Moon', 'hello': 'Hacker'}", 'the forged payload is still shown: anyone can read it');
      });

      it('fails a cookie on its age exactly when Flask does: past 31 days, and when dated in the future', async () => {
        const rig = new Rig(START_MS);
        await rig.start();
        try {
          const later = T0 + MAX_AGE + 86400;
          const [signed = '', future = ''] = flaskSign([
            { secret: SERVER_SECRET, tagged: '{"hello": "World"}', ts: T0 },
            { secret: SERVER_SECRET, tagged: '{"hello": "World"}', ts: later + 3600 },
          ]);
          // The clock only moves forward here (see the rate limit's test for a step back).
          const cases: [number, string, string, RegExp][] = [
            [T0 + MAX_AGE - 1, signed, 'a second short of 31 days old', /^$/],
            [T0 + MAX_AGE, signed, 'exactly 31 days old', /^$/],
            [T0 + MAX_AGE + 1, signed, 'a second past 31 days', /^expired$/],
            [later, signed, 'a day past 31 days', /^expired$/],
            [later, future, 'signed an hour ahead of the clock', /^future$/],
          ];
          for (const [at, cookie, what, reason] of cases) {
            rig.ms = at * 1000;
            const [flaskVerdict] = flaskLoad([{ secret: SERVER_SECRET, cookie, now: at }]);
            const { json } = await rig.decode({ cookie }, { tick: false, what });
            assert.equal(json.verified, flaskVerdict?.ok, `${what}: Flask says ${JSON.stringify(flaskVerdict)}`);
            assert.match(json.failure ?? '', reason, what);
            if (json.verified === false) assert.equal(failedCheck(json), 'age', what);
          }
        } finally {
          await rig.app?.close();
        }
      });

      it('fails on the signature with a wrong typed secret, and says the typed secret was used', async () => {
        const { json } = await flask.decode({ cookie: valid, secret: 'not the right key' });
        assert.equal(json.verified, false);
        assert.equal(json.failure, 'signature-mismatch');
        assert.equal(failedCheck(json), 'signature');
        assert.equal(json.verifiedWith, 'the secret you typed');
        // The valid cookie is compressed: behind a signature that fails, it is not inflated
        // (a forged one can be a zip bomb); an uncompressed payload is still shown, above.
        assert.ok(valid.startsWith('.'), 'a compressed cookie');
        assert.equal(json.python, undefined);
        assert.match(json.payloadError ?? '', /^not decompressed: the signature does not verify/);
      });

      it('verifies with typed hex:, base64: (standard and URL-safe) and text secrets, where the server\'s key fails', async () => {
        const { json: serverKey } = await flask.decode({ cookie: otherKeyCookie });
        assert.equal(serverKey.verified, false);
        for (const secret of [`hex:${OTHER_KEY.toString('hex')}`, `hex:${OTHER_KEY.toString('hex').toUpperCase()}`, `base64:${OTHER_KEY.toString('base64')}`, `base64:${OTHER_KEY.toString('base64url')}`]) {
          const { json } = await flask.decode({ cookie: otherKeyCookie, secret }, { what: secret.slice(0, 10) });
          assert.equal(json.verified, true, `${secret.slice(0, 10)}...: ${JSON.stringify(json.checks)}`);
          assert.equal(json.verifiedWith, 'the secret you typed');
          assert.equal(json.python, "{'hello': 'Other'}");
        }
        const { json: text } = await flask.decode({ cookie: textKeyCookie, secret: 'a typed text secret' });
        assert.equal(text.verified, true);
        assert.equal(text.python, "{'hello': 'Text'}");
      });

      it('answers 400 naming the secret for a typed secret that is not valid hex: or base64:, without echoing it', async () => {
        for (const secret of ['hex:zz', 'hex:abc', 'base64:!!!!', 'base64:']) {
          const { answer, json } = await flask.decode({ cookie: valid, secret });
          assert.equal(answer.status, 400, secret);
          assert.match(json.error ?? '', /secret/, secret);
        }
        const { answer, json } = await flask.decode({ cookie: valid, secret: 'hex:0123456789abcdef0123456789abcdefXY' });
        assert.equal(answer.status, 400);
        assert.ok(!(json.error ?? '').includes('0123456789abcdef'), json.error);
      });

      it('decodes the browser\'s own session cookie with "useMyCookie", and answers 400 when none was sent', async () => {
        const first = await flask.get('/sessions/hello');
        const setCookie = ([] as string[]).concat(first.headers['set-cookie'] ?? []).find((c) => c.startsWith('session='));
        assert.ok(setCookie !== undefined);
        const value = setCookie.slice('session='.length, setCookie.indexOf(';'));
        const { json } = await flask.decode({ useMyCookie: true }, { cookieHeader: `mouse=Cookie; session=${value}` });
        assert.equal(json.verified, true);
        assert.equal(json.python, flaskRepr(SERVER_SECRET, value));
        const { answer: none, json: noneJson } = await flask.decode({ useMyCookie: true }, { cookieHeader: 'mouse=Cookie' });
        assert.equal(none.status, 400);
        assert.match(noneJson.error ?? '', /session/);
      });

      it('judges a cookie signed with a key the server still accepts (a fallback) as the server does', async () => {
        const oldKey = randomBytes(32);
        const rig = new Rig(START_MS);
        await rig.start({ session: { format: 'flask', secretFallbacks: [oldKey] } });
        try {
          const [oldCookie = ''] = flaskSign([{ secret: { hex: oldKey.toString('hex') }, tagged: '{"hello": "Old", "goodnight": "Moon"}', ts: T0 }]);
          const served = await rig.get('/sessions/hello', `session=${oldCookie}`);
          assert.equal((JSON.parse(served.text) as { session: { session_value: unknown } }).session.session_value, 'Old', 'the server accepts the old key');
          const { json } = await rig.decode({ useMyCookie: true }, { cookieHeader: `session=${oldCookie}` });
          assert.equal(json.verified, true, `the decoder says ${JSON.stringify(json.checks)} for a cookie the server just accepted`);
        } finally {
          await rig.app?.close();
        }
      });
    });

    describe('POST /inspect/decode with SESSION_FORMAT sealed', () => {
      it('opens a sealed cookie the server set, with the server\'s key', async () => {
        const first = await sealed.get('/sessions/hello');
        const setCookie = ([] as string[]).concat(first.headers['set-cookie'] ?? []).find((c) => c.startsWith('session='));
        assert.ok(setCookie !== undefined);
        const value = setCookie.slice('session='.length, setCookie.indexOf(';'));
        assert.match(value, /^S2\./, 'a sealed token');
        const { json } = await sealed.decode({ cookie: value });
        assert.equal(json.format, 'sealed');
        assert.equal(json.verified, true, JSON.stringify(json.checks));
        assert.equal(json.verifiedWith, "the server's key");
        assert.ok(json.python?.includes("'hello': 'World'"), json.python);
        assert.ok(json.python?.includes("'goodnight': 'Moon'"), json.python);
        const { json: mine } = await sealed.decode({ useMyCookie: true }, { cookieHeader: `session=${value}` });
        assert.equal(mine.verified, true);

        const body = value.split('.').at(-1) ?? '';
        const tampered = value.slice(0, value.length - body.length) + changeChar(body, 20);
        const { json: broken } = await sealed.decode({ cookie: tampered });
        assert.equal(broken.verified, false);
        assert.equal(failedCheck(broken), 'signature');
        assert.equal(broken.python, undefined, 'nothing of a sealed payload is shown when it does not open');

        const { json: wrongKey } = await sealed.decode({ cookie: value, secret: 'not the right key' });
        assert.equal(wrongKey.verified, false);
        assert.equal(failedCheck(wrongKey), 'signature');
        assert.equal(wrongKey.python, undefined);
      });

      it('still reads and verifies a Flask-format cookie pasted into it', async () => {
        const { json } = await sealed.decode({ cookie: valid });
        assert.equal(json.format, 'flask');
        assert.equal(json.verified, true);
        assert.equal(json.python, validRepr);
      });
    });

    describe('POST /inspect/decode bounds', () => {
      it('answers 413 JSON for a body over 8 KiB, with or without a Content-Length, and takes one of exactly 8 KiB', async () => {
        const bodyOf = (size: number): string => {
          const shell = JSON.stringify({ cookie: '' });
          return JSON.stringify({ cookie: 'x'.repeat(size - shell.length) });
        };
        assert.equal(bodyOf(8193).length, 8193);
        for (const chunked of [false, true]) {
          flask.ms += 10_000;
          const answer = await send(flask.port, { body: bodyOf(8193), headers: { 'content-type': 'application/json' }, chunked });
          checkPromises(answer, `8193 bytes${chunked ? ', chunked' : ''}`);
          assert.equal(answer.status, 413, chunked ? 'chunked' : 'with Content-Length');
          assert.equal(typeof (JSON.parse(answer.text) as { error?: unknown }).error, 'string');
        }
        flask.ms += 10_000;
        const exact = await send(flask.port, { body: bodyOf(8192), headers: { 'content-type': 'application/json' } });
        checkPromises(exact, '8192 bytes');
        assert.equal(exact.status, 200);
        assert.equal((JSON.parse(exact.text) as Decoded).verified, false);
      });

      it('answers 400 JSON for a body that is not JSON, or not a JSON object, or of another type', async () => {
        const cases: [string, string | undefined, string][] = [
          ['broken JSON', '{"cookie": ', 'application/json'],
          ['not JSON at all', 'cookie=abc', 'application/json'],
          ['an empty JSON body', '', 'application/json'],
          ['a JSON array', '["a.b.c"]', 'application/json'],
          ['a JSON string', '"a.b.c"', 'application/json'],
          ['a JSON number', '42', 'application/json'],
          ['JSON null', 'null', 'application/json'],
          ['a form body', 'cookie=a.b.c', 'application/x-www-form-urlencoded'],
          ['plain text', 'a.b.c', 'text/plain'],
          ['no body', undefined, 'application/json'],
        ];
        for (const [what, body, type] of cases) {
          flask.ms += 10_000;
          const answer = await send(flask.port, { ...(body === undefined ? {} : { body }), headers: { 'content-type': type } });
          checkPromises(answer, what);
          assert.equal(answer.status, 400, `${what}: ${answer.text}`);
          assert.equal(typeof (JSON.parse(answer.text) as { error?: unknown }).error, 'string', what);
        }
      });

      it('answers 400 JSON for objects without a usable cookie or secret', async () => {
        const cases: unknown[] = [
          {},
          { cookie: '' },
          { cookie: 42 },
          { cookie: ['a.b.c'] },
          { cookie: null },
          { useMyCookie: 'yes' },
          { cookie: valid, secret: 42 },
          { cookie: valid, secret: 'k'.repeat(1025) },
        ];
        for (const body of cases) {
          const { answer } = await flask.decode(body);
          assert.equal(answer.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${answer.text}`);
        }
        // A "__proto__" key in the JSON is its own key, not a way to smuggle in a cookie.
        flask.ms += 10_000;
        const smuggled = await send(flask.port, { body: `{"__proto__": {"cookie": "${valid}"}}`, headers: { 'content-type': 'application/json' } });
        checkPromises(smuggled, '__proto__');
        assert.equal(smuggled.status, 400);
        const { answer: longest } = await flask.decode({ cookie: valid, secret: 'k'.repeat(1024) });
        assert.equal(longest.status, 200, 'a 1024-character secret is allowed');
      });

      it('answers the 21st request within a second with 429 and a Retry-After, then lets the client in again', async () => {
        const rig = new Rig(START_MS);
        await rig.start();
        try {
          const statuses: number[] = [];
          for (let i = 0; i < 20; i++) statuses.push((await rig.decode({ cookie: valid }, { tick: false })).answer.status);
          assert.deepEqual(statuses, Array.from({ length: 20 }, () => 200));
          const { answer, json } = await rig.decode({ cookie: valid }, { tick: false });
          assert.equal(answer.status, 429);
          assert.match(String(answer.headers['retry-after']), /^[1-9]\d*$/);
          assert.match(json.error ?? '', /too many/);
          rig.ms += Number(answer.headers['retry-after']) * 1000;
          const { answer: later } = await rig.decode({ cookie: valid }, { tick: false });
          assert.equal(later.status, 200, 'after Retry-After seconds the client may decode again');
        } finally {
          await rig.app?.close();
        }
      });

      it('limits the rate on the real clock too: 21 requests sent at once get at least one 429', async () => {
        const app = await buildServer({ framework, secret: SERVER_KEY, log: () => undefined });
        await app.listen({ port: 0, host: '127.0.0.1' });
        try {
          const port = (app.server.address() as AddressInfo).port;
          const answers: Answer[] = [];
          for (let i = 0; i < 21; i++) answers.push(await send(port, { body: JSON.stringify({ cookie: valid }), headers: { 'content-type': 'application/json' } }));
          for (const answer of answers) checkPromises(answer, 'real clock');
          assert.deepEqual(answers.slice(0, 20).map((a) => a.status), Array.from({ length: 20 }, () => 200));
          const last = answers[20];
          assert.ok(last !== undefined);
          assert.equal(last.status, 429);
          assert.match(String(last.headers['retry-after']), /^[1-9]\d*$/, 'a Retry-After header');
        } finally {
          await app.close();
        }
      });

      it('does not lock a client out when the clock steps back (as a wall clock may)', async () => {
        const rig = new Rig(START_MS);
        await rig.start();
        try {
          const { answer: first } = await rig.decode({ cookie: valid }, { tick: false });
          assert.equal(first.status, 200);
          rig.ms -= 3600_000;
          const { answer } = await rig.decode({ cookie: valid }, { tick: false });
          assert.equal(answer.status, 200, `after the clock stepped back an hour the client, with 19 tokens left, is told: ${answer.status} Retry-After ${String(answer.headers['retry-after'])}`);
        } finally {
          await rig.app?.close();
        }
      });
    });

    describe('POST /inspect/decode never fails on odd input', () => {
      it('answers every odd cookie without a 5xx or the key', async () => {
        const enc = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
        const secret = { secret_hex: SERVER_KEY.toString('hex') };
        // Validly signed with the server's key, but nothing Flask writes: the decoder must still answer.
        const signedOdd = await Promise.all([
          oracle.signerSign(secret, enc('not json'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc('[1, 2]'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc('null'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc('{"a": {" t": 5}}'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc('{"a": {" u": "zz"}}'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc('{"a": {" b": "!!"}}'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc(`${'['.repeat(3000)}${']'.repeat(3000)}`), { timed: true, ts: T0 }),
          oracle.signerSign(secret, enc('{"v": 1e999}'), { timed: true, ts: T0 }),
          oracle.signerSign(secret, `.${Buffer.from('not zlib').toString('base64url')}`, { timed: true, ts: T0 }),
          oracle.signerSign(secret, `${enc('{"a": 1}')}.${Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('base64url')}`, { timed: false }),
          oracle.signerSign(secret, `${enc('{"a": 1}')}.!!!`, { timed: false }),
          oracle.signerSign(secret, `${enc('{"a": 1}')}.${Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff]).toString('base64url')}`, { timed: false }),
        ]);
        const odd = [
          '.', '..', '...', '....', 'a.b', 'a.b.c.d', '.a.b.c', '.a.b', 'S1.', 'S1.x', 'S1.x.y', 'S1.AAAA.' + 'A'.repeat(40), 'S2.x.y',
          'é.ü.ß', '\u0000.\u0000.\u0000', 'x'.repeat(4000), '.'.repeat(4000), `${valid}.${valid}`, ' ' + valid, valid + ';',
          ...signedOdd,
        ];
        const flaskVerdicts = flaskLoad(odd.map((cookie) => ({ secret: SERVER_SECRET, cookie, now: flask.seconds + 1000 })));
        for (const [i, cookie] of odd.entries()) {
          const what = JSON.stringify(cookie.slice(0, 40));
          const { answer, json } = await flask.decode({ cookie }, { what });
          assert.ok(answer.status === 200 || answer.status === 400, `${what}: ${answer.status}`);
          // Where Flask loads it, the decoder may call it valid; where Flask refuses it, it must not.
          if (answer.status === 200 && flaskVerdicts[i]?.ok !== true) assert.notEqual(json.verified, true, `${what}: Flask refuses it (${JSON.stringify(flaskVerdicts[i])})`);
        }
      });

      it('answers other methods and paths near the decoder without a 5xx or the key', async () => {
        for (const [method, path] of [['GET', '/inspect/decode'], ['PUT', '/inspect/decode'], ['POST', '/inspect'], ['POST', '/inspect/decode/x'], ['DELETE', '/inspect/decode']] as const) {
          const answer = await send(flask.port, { method, path, body: '{}', headers: { 'content-type': 'application/json' } });
          checkPromises(answer, `${method} ${path}`);
          assert.ok(answer.status >= 400, `${method} ${path}: ${answer.status}`);
        }
      });

      it('answers another method on the decoder with 405 and Allow: POST', async () => {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const answer = await send(flask.port, { method, path: '/inspect/decode' });
          checkPromises(answer, `${method} /inspect/decode`);
          assert.equal(answer.status, 405, `${method}: ${answer.status}`);
          assert.equal(answer.headers.allow, 'POST');
        }
      });

      it('kept its promises on every answer of this file so far', () => {
        assert.ok(answersSeen > 80, `${answersSeen} answers checked`);
        assert.ok(!flask.log.some((line) => /internal error/.test(line)), flask.log.filter((line) => /internal error/.test(line)).join('\n'));
      });
    });
  });
}
