/**
 * Compressed payloads are inflated with a bound, and only behind a good signature
 * wherever a key is known (issue 9, finding 2). Every bomb here is a real Flask cookie:
 * Flask compresses a session of megabytes of one character into a few kilobytes.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FlaskSessionCodec, MAX_INFLATED_PAYLOAD } from 'signet-session/core/flask-session';
import { inspectCookie } from 'signet-session/core/inspect';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type LessonServer } from 'signet-lesson/server/app';
import { flaskSign } from './support/flask-tools.js';
import { httpRequest, setCookieFor } from './support/http-client.js';

const LESSON_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const LESSON_KEY = Buffer.from(LESSON_HEX, 'hex');
const OTHER_HEX = 'c3'.repeat(32);
const T0 = 1_700_000_000;
const NOW_MS = (T0 + 60) * 1000;

/** Flask's cookie for {"hello": "World", "a": "x" * size}, signed at T0 with `hex`. */
const bomb = (size: number, hex = LESSON_HEX): string =>
  flaskSign([{ secret: { hex }, tagged: JSON.stringify({ hello: 'World', a: 'x'.repeat(size) }), ts: T0 }])[0] ?? '';

// One call to Flask for all of them.
const [threeMegabytes, justUnder, wrongKey] = flaskSign([
  { secret: { hex: LESSON_HEX }, tagged: JSON.stringify({ hello: 'World', a: 'x'.repeat(3_000_000) }), ts: T0 },
  { secret: { hex: LESSON_HEX }, tagged: JSON.stringify({ hello: 'World', a: 'x'.repeat(MAX_INFLATED_PAYLOAD - 100) }), ts: T0 },
  { secret: { hex: OTHER_HEX }, tagged: JSON.stringify({ hello: 'World', a: 'x'.repeat(5_500_000) }), ts: T0 },
]) as [string, string, string];

describe('FlaskSessionCodec with compressed payloads', () => {
  const codec = new FlaskSessionCodec({ secret: LESSON_KEY, clock: () => NOW_MS });

  it('refuses a validly signed cookie of about 4 KB that inflates to 3 MB, as payload-too-large', () => {
    assert.ok(threeMegabytes.startsWith('.') && threeMegabytes.length < 4096, `a compressed cookie of ${threeMegabytes.length} characters`);
    const read = codec.decode(threeMegabytes);
    assert.ok(!read.ok);
    assert.equal(read.error.reason, 'payload-too-large');
    assert.match(read.error.message, new RegExp(`more than ${MAX_INFLATED_PAYLOAD} bytes`));
  });

  it('reads a compressed session that inflates to just under the bound', () => {
    const read = codec.decode(justUnder);
    assert.ok(read.ok);
    assert.equal((read.value.data.a as string).length, MAX_INFLATED_PAYLOAD - 100);
  });

  it('says the signature fails for a bomb under another key, before any inflating', () => {
    const read = codec.decode(wrongKey);
    assert.ok(!read.ok);
    assert.equal(read.error.reason, 'signature-mismatch');
  });
});

for (const framework of FRAMEWORKS) {
  describe(`The lesson server on ${FRAMEWORK_NAMES[framework]} and the inspector with compression bombs`, () => {
    const apps: LessonServer[] = [];
    const log: string[] = [];
    let flaskPort = 0;
    let migratingPort = 0;
    before(async () => {
      const serve = async (session: Parameters<typeof buildServer>[0]['session']): Promise<number> => {
        const app = await buildServer({ framework, secret: LESSON_KEY, ...(session === undefined ? {} : { session }), clock: () => NOW_MS, log: (line) => log.push(line), logRequests: false });
        await app.listen({ port: 0, host: '127.0.0.1' });
        apps.push(app);
        return (app.server.address() as AddressInfo).port;
      };
      flaskPort = await serve(undefined);
      migratingPort = await serve({ format: 'sealed', migrateFlask: true });
    });
    after(async () => {
      for (const app of apps) await app.close();
    });

    it('answers the lesson with a new session for a signed 3 MB bomb, and logs why the cookie was ignored', async () => {
      const answer = await httpRequest(flaskPort, '/sessions/hello', { headers: { cookie: `session=${threeMegabytes}` } });
      assert.equal(answer.status, 200);
      assert.ok(answer.body.length < 1024 + threeMegabytes.length, 'the answer echoes the cookie, not what it inflates to');
      assert.ok((setCookieFor(answer, 'session') ?? '').length < 200, 'a new, small session');
      assert.ok(log.some((line) => line.includes('ignored the session cookie: payload-too-large')), log.join('\n'));
    });

    it('with SESSION_MIGRATE_FLASK, a 15 KB Flask cookie that inflates to 12 MB is ignored, and no large sealed cookie is built', async () => {
      const cookie = bomb(12_000_000);
      assert.ok(cookie.length > 15_000 && cookie.length < 16_000, `a cookie of ${cookie.length} characters`);
      const answer = await httpRequest(migratingPort, '/sessions/hello', { headers: { cookie: `session=${cookie}` } });
      assert.equal(answer.status, 200);
      const issued = setCookieFor(answer, 'session') ?? '';
      assert.ok(issued.startsWith('session=S2.') && issued.length < 300, `a new, small sealed session: ${issued.length} bytes`);
    });

    it('POST /inspect/decode with the server key does not inflate a 5.5 MB bomb behind a wrong signature, and answers in a few hundred bytes', async () => {
      const body = JSON.stringify({ cookie: wrongKey });
      assert.ok(body.length > 7000 && body.length < 8192, `a ${body.length}-byte body`);
      const response = await fetch(`http://127.0.0.1:${flaskPort}/inspect/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await response.text();
      assert.equal(response.status, 200);
      assert.ok(text.length < 2048, `a ${text.length}-byte answer`);
      const json = JSON.parse(text) as { verified: boolean; failure: string; python?: string; payloadError?: string };
      assert.equal(json.verified, false);
      assert.equal(json.failure, 'signature-mismatch');
      assert.equal(json.python, undefined);
      assert.match(json.payloadError ?? '', /not decompressed: the signature does not verify/);
    });

    it('POST /inspect/decode with the right key says the 3 MB bomb inflates past the bound, without building it', async () => {
      const response = await fetch(`http://127.0.0.1:${flaskPort}/inspect/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cookie: threeMegabytes }) });
      const text = await response.text();
      assert.ok(text.length < 2048, `a ${text.length}-byte answer`);
      const json = JSON.parse(text) as { verified: boolean; failure: string; payloadError?: string };
      assert.equal(json.verified, false);
      assert.equal(json.failure, 'payload-too-large');
      assert.match(json.payloadError ?? '', /inflates to more than/);
    });

    it('POST /inspect/decode shows at most 16 KiB of a large payload that verifies', async () => {
      const response = await fetch(`http://127.0.0.1:${flaskPort}/inspect/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cookie: justUnder }) });
      const json = (await response.json()) as { verified: boolean; python: string };
      assert.equal(json.verified, true);
      assert.ok(json.python.length < 17 * 1024, `${json.python.length} characters shown`);
      assert.match(json.python, /… \(\d+ more characters not shown\)$/);
    });
  });
}

describe('inspectCookie without a key', () => {
  it('reads no more than the bound of a bomb, and says so', () => {
    const inspection = inspectCookie(wrongKey);
    assert.equal(inspection.payload, undefined);
    assert.match(inspection.payloadError ?? '', new RegExp(`inflates to more than ${MAX_INFLATED_PAYLOAD} bytes`));
  });
});
