/**
 * The lessons' login against the real Flask-Login (Debian's python3-flask-login 0.6.2,
 * run with /usr/bin/python3, test/oracle/flask_login_app.py): with the same SECRET_KEY, a
 * user logged in here is logged in to a Flask app that uses Flask-Login, fresh (so our
 * `_id` is the identifier Flask-Login computes), and a user Flask-Login logged in is
 * logged in here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PYTHON } from './support/flask-oracle.js';
import { startLesson, type StartedLesson } from './support/lesson-server.js';

const KEY_HEX = '3f77855a0851bd4fb8a9b6354b6aa95f';
const FLASK_LOGIN_APP = fileURLToPath(new URL('../../test/oracle/flask_login_app.py', import.meta.url));
const USER_AGENT = 'CrossTest/1.0 (signet; Flask-Login)';

interface FlaskStep {
  readonly do: 'whoami' | 'login';
  readonly cookie?: string;
  readonly user_id?: string;
  readonly user_agent: string;
  readonly remote_addr: string;
}

/** Runs steps through the real Flask-Login app; `known` are the user ids its loader knows. */
function flaskLogin(steps: readonly FlaskStep[], known: readonly string[]): Array<Record<string, unknown>> {
  return JSON.parse(execFileSync(PYTHON, [FLASK_LOGIN_APP, KEY_HEX, known.join(',')], { input: JSON.stringify(steps), encoding: 'utf8' })) as Array<Record<string, unknown>>;
}

function call(port: number, method: string, path: string, cookie: string | undefined, json?: unknown): Promise<{ status: number; body: string; cookie: string | undefined }> {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, path, method, headers: { 'user-agent': USER_AGENT, ...(cookie === undefined ? {} : { cookie: `session=${cookie}` }), ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(body.length) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const set = (res.headers['set-cookie'] ?? []).find((header) => header.startsWith('session='));
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), cookie: set === undefined ? undefined : (set.split(';', 1)[0] ?? '').slice('session='.length) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('The lessons\' login, against the real Flask-Login 0.6', () => {
  let lesson: StartedLesson;
  let port = 0;
  before(async () => {
    lesson = await startLesson({ secret: Buffer.from(KEY_HEX, 'hex') });
    ({ port } = lesson);
  });
  after(() => lesson.close());

  it('a user logged in here is logged in, and fresh, in a Flask app using Flask-Login with the same key', async () => {
    const signedUp = await call(port, 'POST', '/signup', undefined, { username: 'ada', password: 'correct horse', password_confirmation: 'correct horse' });
    assert.equal(signedUp.status, 201, signedUp.body);
    const loggedIn = await call(port, 'POST', '/login', undefined, { username: 'ada', password: 'correct horse' });
    assert.equal(loggedIn.status, 200, loggedIn.body);
    const [same, elsewhere, unknownUser] = flaskLogin(
      [
        { do: 'whoami', cookie: loggedIn.cookie ?? '', user_agent: USER_AGENT, remote_addr: '127.0.0.1' },
        { do: 'whoami', cookie: loggedIn.cookie ?? '', user_agent: 'Another/2.0', remote_addr: '127.0.0.1' },
        { do: 'whoami', cookie: loggedIn.cookie ?? '', user_agent: USER_AGENT, remote_addr: '127.0.0.1' },
      ],
      ['1'],
    );
    assert.deepEqual({ user: same?.user, fresh: same?.fresh }, { user: '1', fresh: true }, "Flask-Login's identifier matches our _id: the session stays fresh");
    assert.deepEqual({ user: elsewhere?.user, fresh: elsewhere?.fresh }, { user: '1', fresh: false }, 'from another browser, basic protection marks it not fresh, as for its own sessions');
    assert.equal(unknownUser?.user, '1');
    const none = flaskLogin([{ do: 'whoami', cookie: loggedIn.cookie ?? '', user_agent: USER_AGENT, remote_addr: '127.0.0.1' }], ['2']);
    assert.equal(none[0]?.user, null, 'a user its loader does not know is nobody there');
  });

  it('a user Flask-Login logged in is logged in here', async () => {
    const [flask] = flaskLogin([{ do: 'login', user_id: '1', user_agent: USER_AGENT, remote_addr: '127.0.0.1' }], ['1']);
    const cookie = flask?.cookie;
    assert.equal(typeof cookie, 'string');
    const here = await call(port, 'GET', '/check_session', cookie as string);
    assert.equal(here.status, 200, here.body);
    assert.deepEqual(JSON.parse(here.body), { id: 1, username: 'ada' });
    const out = await call(port, 'DELETE', '/logout', cookie as string);
    assert.equal(out.status, 204);
    const [after] = flaskLogin([{ do: 'whoami', cookie: out.cookie ?? '', user_agent: USER_AGENT, remote_addr: '127.0.0.1' }], ['1']);
    assert.equal(after?.user, null, 'logged out here, logged out there');
  });
});
