/**
 * A session too large to re-issue never locks its user out (issue 9, finding 3).
 *
 * The rule: a request that did not change the session answers as usual and sets no
 * session cookie, so the browser keeps the valid one it sent; a change that cannot fit
 * is the app's error (CookieTooLarge), and the default answer clears the cookie, so the
 * next visit starts a new session. Each test walks a browser's sequence of visits,
 * through the real lesson server over HTTP, in both formats and with migration on.
 *
 * Flask cookies are signed by the real Flask; sealed ones are built from the
 * documented layout (test/support/sealed-reference.ts).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type LessonServerOptions, type LessonServer } from 'signet-lesson/server/app';
import { CookieSessions, FLASK_COOKIE } from 'signet-session/core/cookie-sessions';
import { CookieTooLarge } from 'signet-session/core/errors';
import { Session } from 'signet-session/core/session';
import { flaskSign } from './support/flask-tools.js';
import { CookieJar, httpRequest, setCookieFor, type Answer } from './support/http-client.js';
import { referenceSeal } from './support/sealed-reference.js';

const LESSON_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const LESSON_KEY = Buffer.from(LESSON_HEX, 'hex');
const T0 = 1_700_000_000;
const LIFETIME = 31 * 24 * 3600;
/** The lesson's cookie attributes: `; HttpOnly; Path=/`. */
const ATTRIBUTES = '; HttpOnly; Path=/'.length;

/** Text that zlib cannot shrink much: base64 of random bytes. */
const noise = (length: number): string => randomBytes(length).toString('base64').slice(0, length);

/**
 * A session JSON text with `keys` and a blob, whose Flask cookie (signed by Flask at T0)
 * is exactly `size` characters: one call to Flask signs a range of blob lengths.
 */
function flaskCookieOfSize(size: number, keys: Record<string, string>): string {
  // zlib's output grows unevenly: a few tries with other random text always hit the size.
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = tryFlaskCookieOfSize(size, keys);
    if (found !== undefined) return found;
  }
  assert.fail(`Flask signed no cookie of exactly ${size} characters in five tries`);
}

function tryFlaskCookieOfSize(size: number, keys: Record<string, string>): string | undefined {
  const blob = noise(4000);
  const sign = (shapes: ReadonlyArray<readonly [number, number]>): Array<readonly [number, number, string]> => {
    const tagged = shapes.map(([length, pad]) => JSON.stringify({ ...keys, blob: blob.slice(0, length), ...(pad > 0 ? { pad: 'p'.repeat(pad) } : {}) }));
    const cookies = flaskSign(tagged.map((text) => ({ secret: { hex: LESSON_HEX }, tagged: text, ts: T0 })));
    return shapes.map(([length, pad], i) => [length, pad, cookies[i] ?? ''] as const);
  };
  // A coarse pass finds where the size is, a fine one comes near; base64 grows by four
  // characters at a time, so a short pad field then hits it exactly.
  const coarse = sign(Array.from({ length: 40 }, (_, i) => [2000 + i * 50, 0] as const));
  const below = coarse.filter(([, , cookie]) => cookie.length <= size).at(-1)?.[0] ?? 2000;
  const fine = sign(Array.from({ length: 80 }, (_, i) => [below + i, 0] as const));
  const near = fine.filter(([, , cookie]) => cookie.length <= size && cookie.length > size - 8).slice(0, 8);
  const padded = sign(near.flatMap(([length]) => Array.from({ length: 10 }, (_, pad) => [length, pad] as const)));
  return [...fine, ...padded].find(([, , cookie]) => cookie.length === size)?.[2];
}

/** A sealed token under the lesson key, sealed at T0, whose value is exactly `size` characters. */
function sealedTokenOfSize(size: number, keys: Record<string, string>): string {
  for (let length = 2000; length < 4000; length++) {
    // Keys in sorted order, as signet (and Flask) write a session's JSON.
    const data: Record<string, string> = { ...keys, blob: 'b'.repeat(length) };
    const json = JSON.stringify(Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]])));
    const token = referenceSeal({ createdAt: T0, issuedAt: T0, expiresAt: T0 + LIFETIME }, json, LESSON_KEY, 'session');
    if (token.length === size) return token;
  }
  assert.fail(`no sealed token of ${size} characters`);
}

const LESSON_KEYS = { goodnight: 'Moon', hello: 'World' };
const NOT_LESSON_KEYS = { goodnight: 'Moon' }; // the route will add hello: a change

for (const framework of FRAMEWORKS) {
  describe(`A session too large to re-issue, through the lesson server on ${FRAMEWORK_NAMES[framework]}`, () => {
    let seconds = T0 + 60;
    const apps: LessonServer[] = [];
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
    });

    async function serve(session: NonNullable<LessonServerOptions['session']> = {}): Promise<{ port: number; log: string[] }> {
      const log: string[] = [];
      const app = await buildServer({ framework, secret: LESSON_KEY, session, clock: () => seconds * 1000, log: (line) => log.push(line), logRequests: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      apps.push(app);
      return { port: (app.server.address() as AddressInfo).port, log };
    }

    /** A browser's visit: the jar's cookies go out, the answer's Set-Cookie headers come back into it. */
    async function visit(port: number, jar: CookieJar): Promise<Answer> {
      seconds += 1;
      const answer = await httpRequest(port, '/sessions/hello', { headers: { cookie: jar.header() } });
      jar.store(answer);
      return answer;
    }

    /** Visits that did not change the session: 200 each time, no session cookie set, the browser's cookie kept. */
    async function assertKeptThrough(port: number, cookie: string, log: string[], visits = 3): Promise<void> {
      const jar = new CookieJar();
      jar.cookies.set('session', cookie);
      for (let i = 0; i < visits; i++) {
        const answer = await visit(port, jar);
        assert.equal(answer.status, 200, `visit ${i + 1}: ${answer.body}`);
        assert.equal((JSON.parse(answer.body) as { session: { session_value: unknown } }).session.session_value, 'World');
        assert.equal(setCookieFor(answer, 'session'), undefined, `visit ${i + 1} sets no session cookie`);
        assert.equal(setCookieFor(answer, 'mouse'), 'mouse=Cookie; Path=/', 'the answer is the lesson\'s usual one');
        assert.equal(answer.headers.vary, 'Cookie');
        assert.equal(jar.get('session'), cookie, 'the browser keeps the cookie it had');
      }
      assert.equal(log.filter((line) => line.includes('stays in use')).length, visits, log.join('\n'));
    }

    /** A visit that changed a session too large to save: a 500 that clears the cookie; then the user goes on afresh. */
    async function assertClearedThenFresh(port: number, cookie: string, log: string[], sealed: boolean): Promise<void> {
      const jar = new CookieJar();
      jar.cookies.set('session', cookie);
      const failed = await visit(port, jar);
      assert.equal(failed.status, 500);
      assert.equal(failed.headers['content-type'], 'application/json');
      assert.match((JSON.parse(failed.body) as { error: string }).error, /would be \d+ bytes .*the session was not saved; the session cookie was cleared, so the next request starts a new session/);
      assert.equal(setCookieFor(failed, 'session'), 'session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/');
      assert.equal(setCookieFor(failed, 'mouse'), undefined, 'an error answer, not the lesson\'s');
      assert.equal(jar.get('session'), undefined, 'the browser dropped the cookie');
      assert.ok(log.some((line) => line.includes('the session cookie was cleared')), log.join('\n'));

      const fresh = await visit(port, jar);
      assert.equal(fresh.status, 200);
      const issued = jar.get('session') ?? '';
      assert.ok(issued.length > 0 && issued.length < 200, `a new, small session cookie: ${issued}`);
      assert.equal(issued.startsWith('S2.'), sealed);
      const again = await visit(port, jar);
      assert.equal(again.status, 200);
      const echoed = (JSON.parse(again.body) as { cookies: Array<Record<string, string>> }).cookies;
      assert.ok(echoed.some((c) => c.session === issued), 'the next visit sends the new session');
      assert.equal(setCookieFor(again, 'session')?.startsWith(sealed ? 'session=S2.' : 'session=eyJ'), true, 'and it is read and renewed');
    }

    it("Flask format: a Flask-signed session of 4,070 characters that the visit leaves unchanged answers 200 on every visit and keeps the browser's cookie", async () => {
      const cookie = flaskCookieOfSize(4070, LESSON_KEYS);
      assert.ok('session='.length + cookie.length + ATTRIBUTES > 4093, 'over the budget with its attributes');
      const { port, log } = await serve();
      await assertKeptThrough(port, cookie, log);
    });

    it('Flask format: a visit that changes a 4,070-character session gets a 500 that clears the cookie, and the next visit starts a new session', async () => {
      const { port, log } = await serve();
      await assertClearedThenFresh(port, flaskCookieOfSize(4070, NOT_LESSON_KEYS), log, false);
    });

    it('sealed format: an unchanged sealed session whose renewal would be over the budget keeps the cookie the browser sent', async () => {
      const token = sealedTokenOfSize(4072, LESSON_KEYS);
      const { port, log } = await serve({ format: 'sealed' });
      await assertKeptThrough(port, token, log);
    });

    it('sealed format: a change to a sealed session that cannot fit gets a 500 that clears it, then a new sealed session', async () => {
      const { port, log } = await serve({ format: 'sealed' });
      await assertClearedThenFresh(port, sealedTokenOfSize(4072, NOT_LESSON_KEYS), log, true);
    });

    it('migration on: a 3,990-character Flask cookie, larger once sealed, is kept as it is and read on every visit', async () => {
      const cookie = flaskCookieOfSize(3990, LESSON_KEYS);
      const { port, log } = await serve({ format: 'sealed', migrateFlask: true });
      await assertKeptThrough(port, cookie, log);
    });

    it('migration on: a change to a 3,990-character Flask cookie gets a 500 that clears it, then a new sealed session', async () => {
      const { port, log } = await serve({ format: 'sealed', migrateFlask: true });
      await assertClearedThenFresh(port, flaskCookieOfSize(3990, NOT_LESSON_KEYS), log, true);
    });

    it('a new session too large for its cookie is the same 500, with nothing to clear', async () => {
      const { port } = await serve({ maxCookieSize: 100 });
      const jar = new CookieJar();
      const answer = await visit(port, jar);
      assert.equal(answer.status, 500);
      assert.equal(setCookieFor(answer, 'session'), undefined);
      assert.match((JSON.parse(answer.body) as { error: string }).error, /the session was not saved$/);
    });
  });
}

describe('CookieSessions.save for a session over the budget', () => {
  const sessions = new CookieSessions({ secret: LESSON_KEY, format: 'flask', cookie: FLASK_COOKIE, maxCookieSize: 300, clock: () => T0 * 1000, warn: () => undefined });
  const big = { list: [1, 2, 3], text: noise(400) };
  const cookie = new CookieSessions({ secret: LESSON_KEY, format: 'flask', cookie: FLASK_COOKIE, maxCookieSize: 4093, clock: () => T0 * 1000, warn: () => undefined }).save(new Session().set('list', big.list).set('text', big.text)).setCookie?.split(';')[0]?.slice('session='.length) ?? '';

  it('skips the renewal of unchanged data: equal assignments and reading a list do not count as a change', () => {
    const opened = sessions.open(cookie);
    assert.equal(opened.rejected, undefined);
    opened.session.set('text', big.text);
    opened.session.get('list');
    opened.session.delete('absent');
    const saved = sessions.save(opened.session);
    assert.equal(saved.setCookie, undefined);
    assert.equal(saved.error, undefined);
    assert.equal(saved.clearCookie, undefined);
    assert.ok(saved.renewalSkipped instanceof CookieTooLarge);
    assert.equal(saved.vary, true);
  });

  it('gives the error and a clearing cookie for a real change, however small', () => {
    const opened = sessions.open(cookie);
    opened.session.set('text', big.text + 'y');
    const saved = sessions.save(opened.session);
    assert.ok(saved.error instanceof CookieTooLarge);
    assert.equal(saved.renewalSkipped, undefined);
    assert.equal(saved.setCookie, undefined);
    assert.equal(saved.clearCookie, 'session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/');
  });
});
