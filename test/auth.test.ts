/**
 * The authentication lesson (apps/lesson/src/server/auth.ts): signup, login, the session
 * check and logout, through the lesson server on each framework over HTTP, with cookie
 * sessions and with server-side ones (SESSION_TYPE=memory), a real SQLite file each, and
 * scrypt at cheap parameters (the defaults are passwords.test.ts's to prove).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { inspectCookie, MemoryStore } from 'signet-session';
import { FRAMEWORKS } from 'signet-lesson/server/app';
import { flaskLoginIdentifier } from 'signet-lesson/server/auth';
import type { LessonDatabase } from 'signet-lesson/server/database';
import { CookieJar, type Answer } from './support/http-client.js';
import { startLesson, type StartedLesson } from './support/lesson-server.js';

/** One request with a JSON body (or none), the jar's cookies sent and its answer's kept. */
function call(port: number, method: string, path: string, { jar, json, headers = {} }: { jar?: CookieJar; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, method, headers: { ...(jar === undefined ? {} : { cookie: jar.header() }), ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(body.length) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
        jar?.store(answer);
        resolve(answer);
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const signup = { username: 'ada', password: 'correct horse battery', password_confirmation: 'correct horse battery' };

for (const framework of FRAMEWORKS) {
  for (const kind of ['cookie', 'memory'] as const) {
    describe(`Authentication on ${framework}, ${kind} sessions`, () => {
      let lesson: StartedLesson;
      let database: LessonDatabase;
      let port = 0;
      before(async () => {
        lesson = await startLesson({
          framework,
          loginLimit: { capacity: 100, perSecond: 1 }, // the limit has a test of its own, below
          ...(kind === 'memory' ? { store: new MemoryStore() } : {}),
        });
        ({ database, port } = lesson);
      });
      after(() => lesson.close());

      it('signs up (201, logged in at once), checks the session, logs out (204) and is then a stranger (401)', async () => {
        const jar = new CookieJar();
        const created = await call(port, 'POST', '/signup', { jar, json: signup });
        assert.equal(created.status, 201, created.body);
        assert.deepEqual(JSON.parse(created.body), { id: 1, username: 'ada' });
        assert.deepEqual(JSON.parse((await call(port, 'GET', '/check_session', { jar })).body), { id: 1, username: 'ada' });
        const out = await call(port, 'DELETE', '/logout', { jar });
        assert.equal(out.status, 204);
        const after = await call(port, 'GET', '/check_session', { jar });
        assert.equal(after.status, 401);
        assert.deepEqual(JSON.parse(after.body), { error: 'not logged in' });
      });

      it('writes the session cookie SameSite=Lax while it holds a login, and without SameSite, as Flask does, while it holds none', async () => {
        const jar = new CookieJar();
        const sameSite = (answer: Answer): string | undefined => {
          const header = ([] as string[]).concat(answer.headers['set-cookie'] ?? []).find((line) => line.startsWith('session='));
          assert.ok(header !== undefined, `a session cookie on ${answer.status}`);
          return /; SameSite=(\w+)/.exec(header)?.[1];
        };
        assert.equal(sameSite(await call(port, 'GET', '/sessions/hello', { jar })), undefined, "the cookie lesson's answer is Flask's");
        assert.equal(sameSite(await call(port, 'POST', '/login', { jar, json: { username: 'ada', password: signup.password } })), 'Lax');
        const read = await call(port, 'GET', '/articles/1', { jar });
        if (kind === 'cookie') assert.equal(sameSite(read), 'Lax', 'a logged-in session written by any route');
        else assert.equal(read.headers['set-cookie']?.find((line) => line.startsWith('session=')), undefined, 'a stored session keeps the cookie of its login');
        assert.equal(sameSite(await call(port, 'DELETE', '/logout', { jar })), undefined);
      });

      it('refuses a taken name, a mismatch, a password shorter than 8 or longer than 128, with 422 and the reasons', async () => {
        const taken = await call(port, 'POST', '/signup', { json: { ...signup, username: 'ADA' } });
        assert.equal(taken.status, 422);
        assert.deepEqual(JSON.parse(taken.body), { errors: ['That username is taken: choose another.'] });
        const bad = await call(port, 'POST', '/signup', { json: { username: 'grace', password: 'short', password_confirmation: 'other' } });
        assert.equal(bad.status, 422);
        assert.equal((JSON.parse(bad.body) as { errors: string[] }).errors.length, 2);
        const long = await call(port, 'POST', '/signup', { json: { username: 'grace', password: 'x'.repeat(129), password_confirmation: 'x'.repeat(129) } });
        assert.equal(long.status, 422, 'never truncated: refused');
        assert.equal((await call(port, 'POST', '/signup', { json: { username: 'grace', password: 'x'.repeat(128), password_confirmation: 'x'.repeat(128) } })).status, 201);
      });

      it('logs in (200) with a new session, stored as Flask-Login stores it; a wrong password and an unknown user get the same 401', async () => {
        const jar = new CookieJar();
        await call(port, 'GET', '/articles/1', { jar }); // a session before the login
        const before = jar.get('session');
        const wrong = await call(port, 'POST', '/login', { json: { username: 'ada', password: 'not the password' } });
        const unknown = await call(port, 'POST', '/login', { json: { username: 'nobody', password: 'not the password' } });
        assert.equal(wrong.status, 401);
        assert.equal(unknown.body, wrong.body);
        assert.deepEqual(JSON.parse(wrong.body), { error: 'Invalid username or password' });
        const ok = await call(port, 'POST', '/login', { jar, json: { username: 'ada', password: signup.password }, headers: { 'user-agent': 'TestBrowser/1.0' } });
        assert.equal(ok.status, 200, ok.body);
        assert.deepEqual(JSON.parse(ok.body), { id: 1, username: 'ada' });
        assert.notEqual(jar.get('session'), before, 'a new session cookie at login');
        if (kind === 'cookie') {
          // Compressed, as Flask compresses a payload that shrinks: read it as anyone can.
          const payload = inspectCookie(jar.get('session') ?? '').payload as Record<string, unknown>;
          assert.equal(payload._user_id, '1');
          assert.equal(payload._fresh, true);
          assert.equal(payload._id, flaskLoginIdentifier('127.0.0.1', 'TestBrowser/1.0'));
          assert.equal(payload.page_views, 1, 'the data before the login is kept');
        } else {
          const old = new CookieJar();
          old.cookies.set('session', before ?? '');
          assert.equal((await call(port, 'GET', '/check_session', { jar: old })).status, 401, 'the id from before the login leads nowhere');
        }
      });

      it('lets only a logged-in user read members-only articles (401 otherwise), and only an admin delete an article (403 for a member, 401 for nobody)', async () => {
        assert.equal((await call(port, 'GET', '/members_only_articles')).status, 401);
        assert.equal((await call(port, 'GET', '/members_only_articles/5')).status, 401);
        assert.equal((await call(port, 'DELETE', '/articles/6')).status, 401);
        const member = new CookieJar();
        await call(port, 'POST', '/login', { jar: member, json: { username: 'grace', password: 'x'.repeat(128) } });
        const list = await call(port, 'GET', '/members_only_articles', { jar: member });
        assert.equal(list.status, 200, list.body);
        assert.deepEqual((JSON.parse(list.body) as Array<{ id: number; is_member_only: boolean }>).map((article) => [article.id, article.is_member_only]), [[5, true], [6, true]]);
        assert.equal((await call(port, 'GET', '/members_only_articles/5', { jar: member })).status, 200);
        assert.equal((await call(port, 'GET', '/members_only_articles/1', { jar: member })).status, 404, 'article 1 is free, not members-only');
        const denied = await call(port, 'DELETE', '/articles/6', { jar: member });
        assert.equal(denied.status, 403);
        assert.deepEqual(JSON.parse(denied.body), { error: 'only an admin may delete an article' });
        assert.ok(database.setAdmin('ada', true));
        const admin = new CookieJar();
        await call(port, 'POST', '/login', { jar: admin, json: { username: 'ada', password: signup.password } });
        assert.equal((await call(port, 'DELETE', '/articles/6', { jar: admin, headers: { 'sec-fetch-site': 'cross-site' } })).status, 403, 'not from another site');
        assert.equal((await call(port, 'DELETE', '/articles/6', { jar: admin })).status, 204);
        assert.equal((await call(port, 'DELETE', '/articles/6', { jar: admin })).status, 404);
        assert.equal((await call(port, 'GET', '/articles/6')).status, 404);
      });

      it("lists the user's sessions with the current one marked, ends one by its id, and logs out everywhere with POST /logout_all", async () => {
        const phone = new CookieJar();
        const laptop = new CookieJar();
        await call(port, 'POST', '/login', { jar: phone, json: { username: 'ada', password: signup.password }, headers: { 'user-agent': 'Phone/1' } });
        await call(port, 'POST', '/login', { jar: laptop, json: { username: 'ada', password: signup.password }, headers: { 'user-agent': 'Laptop/2' } });
        const listed = await call(port, 'GET', '/account/sessions', { jar: laptop });
        assert.equal(listed.status, 200, listed.body);
        const { sessions, complete } = JSON.parse(listed.body) as { sessions: Array<{ id: string | null; current: boolean; user_agent: string | null }>; complete: boolean };
        if (kind === 'memory') {
          assert.equal(complete, true);
          const mine = sessions.filter((entry) => entry.user_agent === 'Phone/1' || entry.user_agent === 'Laptop/2');
          assert.deepEqual(mine.map((entry) => [entry.user_agent, entry.current]).sort(), [['Laptop/2', true], ['Phone/1', false]]);
          const phoneId = mine.find((entry) => entry.user_agent === 'Phone/1')?.id ?? '';
          assert.equal((await call(port, 'DELETE', `/account/sessions/${phoneId}`, { jar: laptop })).status, 204);
          assert.equal((await call(port, 'GET', '/check_session', { jar: phone })).status, 401, 'the phone is logged out');
          assert.equal((await call(port, 'GET', '/check_session', { jar: laptop })).status, 200, 'the laptop is not');
          assert.equal((await call(port, 'DELETE', `/account/sessions/${phoneId}`, { jar: laptop })).status, 404);
          await call(port, 'POST', '/login', { jar: phone, json: { username: 'ada', password: signup.password } });
        } else {
          assert.equal(complete, false, 'a cookie session is known only to its browser');
          assert.deepEqual(sessions.map((entry) => entry.current), [true]);
        }
        assert.equal((await call(port, 'GET', '/account/sessions')).status, 401);
        const everywhere = await call(port, 'POST', '/logout_all', { jar: laptop, json: {} });
        assert.equal(everywhere.status, 204, everywhere.body);
        assert.equal((await call(port, 'GET', '/check_session', { jar: phone })).status, 401, 'the other device is logged out');
        assert.equal((await call(port, 'GET', '/check_session', { jar: laptop })).status, 401, 'and this one');
        const again = new CookieJar();
        await call(port, 'POST', '/login', { jar: again, json: { username: 'ada', password: signup.password } });
        assert.equal((await call(port, 'GET', '/check_session', { jar: again })).status, 200, 'a login after it holds');
      });

      it('takes only JSON on a state-changing route, and refuses a cross-site request with 403', async () => {
        const form = await call(port, 'POST', '/signup', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        assert.equal(form.status, 415);
        const crossOrigin = await call(port, 'POST', '/login', { json: { username: 'ada', password: signup.password }, headers: { origin: 'https://evil.example' } });
        assert.equal(crossOrigin.status, 403);
        const crossSite = await call(port, 'DELETE', '/logout', { headers: { 'sec-fetch-site': 'cross-site' } });
        assert.equal(crossSite.status, 403);
        const sameOrigin = await call(port, 'DELETE', '/logout', { headers: { 'sec-fetch-site': 'same-origin', origin: `http://127.0.0.1:${port}` } });
        assert.equal(sameOrigin.status, 204);
        assert.equal((await call(port, 'GET', '/login')).status, 405);
      });
    });
  }
}

describe("Flask-Login's identifier", () => {
  it('is SHA-512 of the reprs of the address and user agent bytes, as Flask-Login 0.6 makes it', () => {
    assert.equal(flaskLoginIdentifier('127.0.0.1', 'curl/8.0'), createHash('sha512').update("b'127.0.0.1'|b'curl/8.0'").digest('hex'));
    assert.equal(flaskLoginIdentifier('::1', undefined), createHash('sha512').update("b'::1'|None").digest('hex'));
  });
});

describe('Log out everywhere with sealed cookie sessions', () => {
  it('refuses sealed cookies issued before POST /logout_all, on every device', async () => {
    const lesson = await startLesson({ session: { format: 'sealed' } });
    const { port } = lesson;
    try {
      const one = new CookieJar();
      const two = new CookieJar();
      assert.equal((await call(port, 'POST', '/signup', { jar: one, json: signup })).status, 201);
      await call(port, 'POST', '/login', { jar: two, json: { username: 'ada', password: signup.password } });
      const stolen = two.get('session') ?? '';
      assert.equal((await call(port, 'GET', '/check_session', { jar: two })).status, 200);
      assert.equal((await call(port, 'POST', '/logout_all', { jar: one, json: {} })).status, 204);
      const replayed = new CookieJar();
      replayed.cookies.set('session', stolen);
      assert.equal((await call(port, 'GET', '/check_session', { jar: replayed })).status, 401, 'a copy of the old sealed cookie is refused');
    } finally {
      await lesson.close();
    }
  });
});

for (const framework of FRAMEWORKS) {
  describe(`Login rate limits on ${framework}`, () => {
    it('limits attempts per account, and four times as many per address: past them, 429 with Retry-After', async () => {
      const lesson = await startLesson({ framework, loginLimit: { capacity: 3, perSecond: 0.001 } });
      const { port } = lesson;
      try {
        const tries = async (username: string, count: number): Promise<number[]> => {
          const statuses = [];
          for (let i = 0; i < count; i++) statuses.push((await call(port, 'POST', '/login', { json: { username, password: 'wrong password' } })).status);
          return statuses;
        };
        assert.deepEqual(await tries('limited', 4), [401, 401, 401, 429]);
        const limited = await call(port, 'POST', '/login', { json: { username: 'LIMITED', password: 'wrong password' } });
        assert.equal(limited.status, 429, 'names compare without case');
        assert.match(limited.headers['retry-after'] ?? '', /^\d+$/);
        // 12 per address: 5 taken above; 7 more on other accounts, then the address is full.
        const others = [];
        for (let i = 0; i < 8; i++) others.push(...(await tries(`other${i}`, 1)));
        assert.deepEqual(others, [401, 401, 401, 401, 401, 401, 401, 429]);
      } finally {
        await lesson.close();
      }
    });

    it("limits nothing with loginLimit 'off' (LOGIN_LIMIT=off, for benchmarks)", async () => {
      const lesson = await startLesson({ framework, loginLimit: 'off' });
      const { port } = lesson;
      try {
        const statuses = new Set<number>();
        for (let i = 0; i < 30; i++) statuses.add((await call(port, 'POST', '/login', { json: { username: 'same', password: 'wrong password' } })).status);
        assert.deepEqual([...statuses], [401]);
      } finally {
        await lesson.close();
      }
    });
  });
}
