/**
 * Tampering with a valid session cookie, through our real HTTP server: every single
 * character substituted (and every character deleted) must be answered 200 with a fresh
 * default session, never a 5xx, and logged with the reason.
 *
 * This is our policy, not Flask's: itsdangerous reads the signature with Python's lenient
 * base64, and of these variants Flask accepts two (position 64 "-" -> "+", and the last
 * character "A" -> "B", which differs only in the 2 spare bits). Ours accepts the
 * canonical spelling only (README, "Canonical signatures only"). Checked against Flask
 * when this test was written: every other variant is refused by Flask too, with
 * BadSignature/BadTimeSignature ("does not match", 4 times "Malformed timestamp").
 *
 * No Python here: the cookie and the expected answers were made once by the Flask
 * original (test/oracle/lesson_app.py, Flask 2.2.2) with time.time() fixed, and are
 * written out below. The server's clock is fixed to match.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type LessonServer } from 'signet-lesson/server/app';
import { httpRequest, type Answer } from './support/http-client.js';

const LESSON_KEY = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');

/** `{"goodnight": "Moon", "hello": "Signed"}`, signed by Flask at 1700000000 with the lesson key. */
const VALID = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJTaWduZWQifQ.ZVPxAA.5ZQm8Q-5UTjxG_42JevNnQbpvjA';
/** The server's clock: a minute later. */
const NOW_MS = 1700000060 * 1000;
/** Flask's Set-Cookie at 1700000060 for the valid cookie (re-issued, same content)... */
const FLASK_REISSUED = 'session=eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJTaWduZWQifQ.ZVPxPA.NsOvaJIqe3gvGkGeKaZlPI19iAo; HttpOnly; Path=/';
/** ...and for any refused one: a fresh default session. */
const FLASK_FRESH = 'session=eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.ZVPxPA.aLEC6JbBDdg4rJL8jefVWu06gSU; HttpOnly; Path=/';
const MOUSE = 'mouse=Cookie; Path=/';

/** Flask's body when the only cookie sent is `session=<value>` and the session holds `hello`. */
const flaskBody = (value: string, hello: string): string =>
  `{\n  "cookies": [\n    {\n      "session": "${value}"\n    }\n  ],\n  "session": {\n    "session_accessed": true,\n    "session_key": "hello",\n    "session_value": "${hello}"\n  }\n}\n`;
/** Flask's first-visit body (no cookies). */
const FIRST_VISIT =
  '{\n  "cookies": [],\n  "session": {\n    "session_accessed": true,\n    "session_key": "hello",\n    "session_value": "World"\n  }\n}\n';

/** Substitutes: base64url characters, the separator, padding, and standard-base64 and other cookie-legal characters. */
const SUBSTITUTES = ['A', 'B', 'Q', 'g', 'w', 'z', '0', '9', '-', '_', '.', '=', '+', '/', '~', '!'];

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
let app: LessonServer | undefined;
let port = 0;
const logLines: string[] = [];

function get(path: string, cookie?: string): Promise<Answer> {
  return httpRequest(port, path, { agent, headers: cookie === undefined ? {} : { cookie } });
}

interface Variant {
  readonly what: string;
  readonly value: string;
  /**
   * The reasons itsdangerous's TimestampSigner.unsign can give. The HMAC covers every byte,
   * so any change is a signature mismatch, except that a "." put into the signature moves
   * the timestamp: when that piece decodes to a date past 9999 it is a malformed timestamp.
   */
  readonly reasons: readonly string[];
}

const SIGNATURE_AT = VALID.lastIndexOf('.');

function variants(): Variant[] {
  const out: Variant[] = [];
  for (let at = 0; at < VALID.length; at++) {
    for (const substitute of SUBSTITUTES) {
      if (substitute === VALID[at]) continue;
      out.push({
        what: `position ${String(at)} ${JSON.stringify(VALID[at])} -> ${JSON.stringify(substitute)}`,
        value: VALID.slice(0, at) + substitute + VALID.slice(at + 1),
        reasons: substitute === '.' && at > SIGNATURE_AT ? ['signature-mismatch', 'timestamp-malformed'] : ['signature-mismatch'],
      });
    }
    out.push({ what: `position ${String(at)} ${JSON.stringify(VALID[at])} deleted`, value: VALID.slice(0, at) + VALID.slice(at + 1), reasons: ['signature-mismatch'] });
  }
  return out;
}

/** Runs `task` over `items`, at most `width` at a time. */
async function eachLimited<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

after(() => {
  agent.destroy();
});

for (const framework of FRAMEWORKS) {
  describe(`single-character tampering with a session cookie, through the server on ${FRAMEWORK_NAMES[framework]}`, () => {
    before(async () => {
      logLines.length = 0;
      app = await buildServer({ framework, secret: LESSON_KEY, clock: () => NOW_MS, log: (line) => logLines.push(line) });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
    });

    after(async () => {
      await app?.close();
    });

    it('answers a first visit with Flask\'s body and a fresh session, as Flask does at that second', async () => {
      const answer = await get('/sessions/hello');
      assert.equal(answer.status, 200);
      assert.equal(answer.body, FIRST_VISIT);
      assert.deepEqual(answer.headers['set-cookie'], [MOUSE, FLASK_FRESH]);
    });

    it('reads the untampered cookie and re-issues it exactly as Flask does', async () => {
      const answer = await get('/sessions/hello', `session=${VALID}`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body, flaskBody(VALID, 'Signed'));
      assert.deepEqual(answer.headers['set-cookie'], [MOUSE, FLASK_REISSUED]);
      assert.equal(logLines.filter((line) => line.includes('ignored the session cookie')).length, 0);
    });

    it('refuses every substituted or deleted character: 200, a fresh default session, and a log line with the reason', async () => {
      const all = variants();
      assert.ok(all.length > VALID.length * (SUBSTITUTES.length - 1), `${String(all.length)} variants`);
      const problems: string[] = [];
      await eachLimited(all, 16, async ({ what, value, reasons }, index) => {
        const path = `/sessions/hello?case=${String(index)}`;
        const answer = await get(path, `session=${value}`);
        const wrong: string[] = [];
        if (answer.status !== 200) wrong.push(`status ${String(answer.status)}`);
        if (answer.body !== flaskBody(value, 'World')) wrong.push(`body ${JSON.stringify(answer.body)}`);
        const setCookie = answer.headers['set-cookie'] ?? [];
        if (setCookie.length !== 2 || setCookie[0] !== MOUSE || setCookie[1] !== FLASK_FRESH) wrong.push(`Set-Cookie ${JSON.stringify(setCookie)}`);
        const logged = logLines.find((line) => line.startsWith(`GET ${path}: ignored the session cookie: `));
        if (logged === undefined) wrong.push('no log line');
        else if (!reasons.some((reason) => logged.startsWith(`GET ${path}: ignored the session cookie: ${reason} (`))) wrong.push(`logged ${logged}`);
        if (wrong.length > 0) problems.push(`${what} (${value}): ${wrong.join('; ')}`);
      });
      assert.deepEqual(problems, []);
      console.log(`server-tamper: ${String(all.length)} tampered cookies refused on ${framework}`);
    });
  });
}
