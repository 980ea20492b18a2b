/**
 * The page-view paywall (apps/lesson/src/server/paywall.ts), the lesson after the cookie
 * one, through the lesson server on each framework over HTTP, with a real SQLite file
 * of its own (better-sqlite3) and a browser's cookie jar.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FRAMEWORKS } from 'signet-lesson/server/app';
import type { LessonDatabase } from 'signet-lesson/server/database';
import { CookieJar, httpRequest, type Answer } from './support/http-client.js';
import { startLesson, type StartedLesson } from './support/lesson-server.js';

/** The JSON of a session cookie's payload (a Flask cookie is readable by anyone). */
function sessionPayload(jar: CookieJar): unknown {
  const value = jar.get('session') ?? '';
  return JSON.parse(Buffer.from(value.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

const bodies = new Map<string, string[]>();

for (const framework of FRAMEWORKS) {
  describe(`The paywall on ${framework}`, () => {
    let lesson: StartedLesson;
    let database: LessonDatabase;
    let port = 0;
    const answers: string[] = [];
    bodies.set(framework, answers);
    const get = async (path: string, jar?: CookieJar, method = 'GET'): Promise<Answer> => {
      const answer = await httpRequest(port, path, { method, headers: jar === undefined ? {} : { cookie: jar.header() } });
      jar?.store(answer);
      answers.push(`${method} ${path} ${answer.status} ${answer.body}`);
      return answer;
    };
    before(async () => {
      lesson = await startLesson({ framework });
      ({ database, port } = lesson);
    });
    after(() => lesson.close());

    it('opens the database only when a lesson needs it, and lists the seeded articles without their text', async () => {
      await get('/sessions/hello');
      assert.equal(database.opened, false, 'the cookie lesson never opens it');
      const list = await get('/articles');
      assert.equal(list.status, 200);
      assert.match(list.headers['content-type'] ?? '', /^application\/json/);
      const articles = JSON.parse(list.body) as Array<Record<string, unknown>>;
      assert.equal(articles.length, 6);
      assert.deepEqual(Object.keys(articles[0] ?? {}), ['author', 'date', 'id', 'is_member_only', 'minutes_to_read', 'preview', 'title'], "Flask's sorted keys, no content");
      assert.equal(database.opened, true);
    });

    it('counts three free views in the session, answers the fourth 401 as the Flask lab does, and /clear starts again', async () => {
      const jar = new CookieJar();
      for (let view = 1; view <= 3; view++) {
        const answer = await get(`/articles/${view}`, jar);
        assert.equal(answer.status, 200, answer.body);
        assert.equal((JSON.parse(answer.body) as { id: number }).id, view);
        assert.match((JSON.parse(answer.body) as { content: string }).content, /\w/);
        assert.deepEqual(sessionPayload(jar), { page_views: view });
      }
      const fourth = await get('/articles/1', jar);
      assert.equal(fourth.status, 401);
      assert.deepEqual(JSON.parse(fourth.body), { message: 'Maximum pageview limit reached' });
      assert.equal(fourth.body, '{\n  "message": "Maximum pageview limit reached"\n}\n');
      const cleared = await get('/clear', jar);
      assert.equal(cleared.status, 204);
      assert.equal(cleared.body, '');
      assert.deepEqual(sessionPayload(jar), { page_views: null }, 'None, as the lab sets it');
      assert.equal((await get('/articles/2', jar)).status, 200);
      assert.deepEqual(sessionPayload(jar), { page_views: 1 });
    });

    it('ignores a cookie edited to show fewer views: the edit is refused like a missing cookie', async () => {
      const jar = new CookieJar();
      for (let view = 1; view <= 4; view++) await get('/articles/1', jar);
      const [, timestamp, signature] = (jar.get('session') ?? '').split('.');
      const edited = `${Buffer.from('{"page_views":0}').toString('base64url')}.${timestamp ?? ''}.${signature ?? ''}`;
      const answer = await httpRequest(port, '/articles/1', { headers: { cookie: `session=${edited}` } });
      assert.equal(answer.status, 200, 'a new session: one view');
      const fresh = new CookieJar().store(answer);
      assert.deepEqual(sessionPayload(fresh), { page_views: 1 }, 'not the edited count of 0: the server never read it');
    });

    it('answers 404 for an article that does not exist without counting a view, and 405 or OPTIONS as Flask does', async () => {
      const jar = new CookieJar();
      await get('/articles/1', jar);
      const missing = await get('/articles/999', jar);
      assert.equal(missing.status, 404);
      assert.deepEqual(JSON.parse(missing.body), { error: 'no article 999' });
      assert.deepEqual(sessionPayload(jar), { page_views: 1 });
      const post = await get('/articles/1', jar, 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET, HEAD, DELETE, OPTIONS', 'an admin may DELETE an article (auth.test.ts)');
      const options = await get('/articles', undefined, 'OPTIONS');
      assert.equal(options.status, 200);
      assert.equal(options.headers.allow, 'GET, HEAD, OPTIONS');
      assert.equal((await get('/articles/abc')).status, 404, 'not an article id: no route');
    });
  });
}

describe('The paywall on every framework', () => {
  it('answers the same bodies and statuses on each', () => {
    const [first, ...others] = FRAMEWORKS.map((framework) => bodies.get(framework) ?? []);
    assert.ok((first?.length ?? 0) > 10);
    for (const other of others) assert.deepEqual(other, first);
  });
});
