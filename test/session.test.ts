import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CookieSessions, FLASK_COOKIE, type CookieOptions } from 'signet-session/core/cookie-sessions';
import { Session } from 'signet-session/core/session';

const NOW_MS = 1_700_000_000_000;
const LIFETIME = 31 * 24 * 3600;
const SECRET = 'a test secret that is long enough!';
const flaskSessions = (cookie: CookieOptions = {}, refreshEachRequest = true): CookieSessions =>
  new CookieSessions({ secret: SECRET, format: 'flask', cookie: { ...FLASK_COOKIE, ...cookie }, refreshEachRequest, clock: () => NOW_MS });
const sessions = flaskSessions();

describe('Session flags follow Flask', () => {
  it('starts new, unaccessed and unmodified', () => {
    const session = new Session();
    assert.equal(session.isNew, true);
    assert.equal(session.accessed, false);
    assert.equal(session.modified, false);
  });

  it('marks any read as an access: get, has, size and keys', () => {
    for (const read of [(s: Session) => s.get('x'), (s: Session) => s.has('x'), (s: Session) => s.size, (s: Session) => s.keys()]) {
      const session = new Session({ x: 1 });
      read(session);
      assert.equal(session.accessed, true);
      assert.equal(session.modified, false);
    }
  });

  it('marks a write as modified even when the value is the same', () => {
    const session = new Session({ x: 1 });
    session.set('x', 1);
    assert.equal(session.modified, true);
  });

  it('keeps a __proto__ key as data, not as a prototype', () => {
    const session = new Session();
    session.set('__proto__', 'value');
    assert.equal(session.get('__proto__'), 'value');
    assert.equal(Object.getPrototypeOf(session.toDict()), Object.prototype);
  });

  it('refuses undefined, which Python cannot hold', () => {
    assert.throws(() => new Session().set('x', undefined as never), /session value is invalid: undefined for key "x"/);
  });
});

describe('CookieSessions.save follows SecureCookieSessionInterface.save_session', () => {
  it('sets no cookie and no Vary for a session never touched', () => {
    assert.deepEqual(sessions.save(new Session()), { vary: false });
  });

  it('adds Vary but no cookie for a session only read', () => {
    const session = new Session({ a: 1 }, { isNew: false });
    session.get('a');
    assert.deepEqual(sessions.save(session), { vary: true });
  });

  it('writes a modified session as HttpOnly, Path=/ and nothing else by default', () => {
    const session = new Session();
    session.set('a', 1);
    const saved = sessions.save(session);
    assert.equal(saved.vary, true);
    assert.match(saved.setCookie ?? '', /^session=[\w-]+\.[\w-]+\.[\w-]{27}; HttpOnly; Path=\/$/);
    const value = (saved.setCookie ?? '').slice('session='.length).split(';')[0] ?? '';
    const reopened = sessions.open(value);
    assert.equal(reopened.rejected, undefined);
    assert.equal(reopened.session.get('a'), 1);
  });

  it('deletes an emptied session with the attributes it was set with', () => {
    const session = new Session({ a: 1 }, { isNew: false });
    session.clear();
    const custom = flaskSessions({ domain: 'example.com', path: '/app', secure: true, sameSite: 'Lax' });
    assert.deepEqual(custom.save(session), {
      vary: true,
      setCookie: 'session=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; HttpOnly; Path=/app; SameSite=Lax',
    });
  });

  it('gives a permanent session an Expires a lifetime ahead, and refreshes it unmodified', () => {
    const session = new Session({ _permanent: true, a: 1 }, { isNew: false });
    const saved = sessions.save(session);
    const expires = new Date(NOW_MS + LIFETIME * 1000).toUTCString();
    assert.match(saved.setCookie ?? '', new RegExp(`; Expires=${expires}; HttpOnly; Path=/$`));
    const noRefresh = flaskSessions({}, false).save(new Session({ _permanent: true }, { isNew: false }));
    assert.equal(noRefresh.setCookie, undefined);
  });

  it('opens a missing or empty cookie as a new session without a rejection, and a bad one with the reason', () => {
    assert.equal(sessions.open(undefined).rejected, undefined);
    assert.equal(sessions.open('').rejected, undefined);
    const bad = sessions.open('abc.def.ghi');
    assert.equal(bad.rejected?.reason, 'signature-mismatch');
    assert.equal(bad.session.isNew, true);
  });
});
