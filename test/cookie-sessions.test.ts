/**
 * CookieSessions, unit by unit, with an injected clock: Flask's session rules (asked of
 * the real Flask 2.2.2 through test/oracle/flask_oracle.py wherever Flask defines the
 * answer), SECRET_KEY_FALLBACKS, the sealed format (opened and made here with node:crypto
 * from its documented layout, test/support/sealed-reference.ts), migration from Flask,
 * idle and absolute timeouts in both formats, the size budget, the cookie policy and
 * schema validation.
 */
import assert from 'node:assert/strict';
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';
import {
  CookieSessions,
  CookieTooLarge,
  FLASK_COOKIE,
  Float,
  Markup,
  MemoryStore,
  ServerSessions,
  Session,
  Tuple,
  Uuid,
  type CookieOptions,
  type PyDict,
  type SameSitePolicy,
  type SessionOptions,
  type StandardSchemaV1,
} from 'signet-session';
import { FlaskOracle, oracleSecret, type SessionStep } from './support/flask-oracle.js';
import {
  base64UrlLength,
  parseToken,
  readPlaintext,
  referenceKey,
  referenceOpen,
  referenceSeal,
  referenceSealPlaintext,
} from './support/sealed-reference.js';
import { assertStrictEqual } from './support/strict-equal.js';
import { B64URL_ALPHABET } from './support/tokens.js';
import { dictFrom, fromTransport, toTransport, type Transport } from './support/transport.js';

const NOW = 1_700_000_000;
const NOW_MS = NOW * 1000;
const LIFETIME = 31 * 24 * 3600;
const SECRET = 'a test secret that is long enough!';
const OLD_SECRETS = ['the oldest secret, still 32 bytes+', 'an older secret, also 32 bytes long', 'the previous secret, 32 bytes long!'] as const;
const STRANGER = 'somebody else entirely, 32 bytes!!';
const EPOCH_EXPIRES = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT';

/** A clock the test moves: Unix seconds in, milliseconds out. */
class TestClock {
  seconds = NOW;
  readonly clock = (): number => this.seconds * 1000;
}

const fixed = (): number => NOW_MS;

type Options = Partial<SessionOptions>;

function flaskSessions(options: Options = {}): CookieSessions {
  return new CookieSessions({ secret: SECRET, format: 'flask', clock: fixed, ...options, cookie: { ...FLASK_COOKIE, ...options.cookie } });
}

function sealedSessions(options: Options = {}): CookieSessions {
  return new CookieSessions({ secret: SECRET, format: 'sealed', clock: fixed, ...options });
}

/** The cookie's value from a Set-Cookie header. */
function valueOf(setCookie: string | undefined): string {
  assert.ok(setCookie !== undefined, 'a Set-Cookie header was written');
  const pair = setCookie.split(';', 1)[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1);
}

/** The attributes of a Set-Cookie header, as written. */
const attributesOf = (setCookie: string): string[] => setCookie.split('; ').slice(1);

/** Writes a session holding `data` (a new one, modified) and returns the cookie value. */
function issue(sessions: CookieSessions, data: PyDict, secure = false): string {
  const session = new Session();
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  const saved = sessions.save(session, { secure });
  assert.equal(saved.error, undefined);
  return valueOf(saved.setCookie);
}

/** The JSON inside a Flask cookie's payload, read with base64url and zlib only. */
function flaskPayload(cookie: string): unknown {
  const compressed = cookie.startsWith('.');
  const payload = (compressed ? cookie.slice(1) : cookie).split('.')[0] ?? '';
  const bytes = Buffer.from(payload, 'base64url');
  return JSON.parse((compressed ? inflateSync(bytes) : bytes).toString('utf8')) as unknown;
}

const T = {
  str: (s: string): Transport => ({ str: s }),
  int: (n: number): Transport => ({ int: String(n) }),
  bool: (b: boolean): Transport => ({ bool: b }),
  tuple: (...items: Transport[]): Transport => ({ tuple: items }),
  list: (...items: Transport[]): Transport => ({ list: items }),
  dict: (...entries: [string, Transport][]): Transport => ({ dict: entries }),
};

let oracle: FlaskOracle;
before(async () => {
  oracle = await FlaskOracle.start();
});
after(async () => {
  await oracle.close();
});
const FLASK_SECRET = oracleSecret(SECRET);

// ---------------------------------------------------------------------------

describe('Flask parity: flags, Vary and Set-Cookie as save_session writes them', () => {
  /** Runs Flask's steps on signet's Session. */
  function runStep(session: Session, step: SessionStep): void {
    switch (step[0]) {
      case 'get':
      case 'getitem':
        session.get(step[1]);
        return;
      case 'contains':
        session.has(step[1]);
        return;
      case 'pop':
        session.pop(step[1]);
        return;
      case 'del':
        session.delete(step[1]);
        return;
      case 'len':
        assert.equal(typeof session.size, 'number');
        return;
      case 'keys':
        session.keys();
        return;
      case 'clear':
        session.clear();
        return;
      case 'permanent_get':
        assert.equal(typeof session.permanent, 'boolean');
        return;
      case 'set':
        session.set(step[1], fromTransport(step[2]));
        return;
      case 'permanent_set':
        session.permanent = step[1];
        return;
    }
  }

  const existing = T.dict(['a', T.int(1)], ['b', T.str('x')]);

  /** Asks Flask and signet the same script; compares flags after each step, then the headers. */
  async function compare(script: {
    readonly steps: readonly SessionStep[];
    readonly from?: Transport;
    readonly config?: Record<string, unknown>;
    readonly options?: Options;
  }): Promise<void> {
    const cookie = script.from === undefined ? undefined : await oracle.sign(FLASK_SECRET, script.from, NOW - 10);
    const flask = await oracle.sessionScript(FLASK_SECRET, {
      now: NOW,
      steps: script.steps,
      ...(cookie === undefined ? {} : { cookie }),
      ...(script.config === undefined ? {} : { config: script.config }),
    });
    const sessions = flaskSessions(script.options);
    const opened = sessions.open(cookie);
    assert.equal(opened.rejected, undefined);
    const session = opened.session;
    script.steps.forEach((step, i) => {
      runStep(session, step);
      assert.deepEqual({ accessed: session.accessed, modified: session.modified }, flask.steps[i], `flags after step ${i} ${JSON.stringify(step)}`);
    });
    const saved = sessions.save(session);
    assert.deepEqual(saved.setCookie === undefined ? [] : [saved.setCookie], flask.set_cookie, `Set-Cookie for ${JSON.stringify(script.steps)}`);
    assert.equal(saved.vary, flask.vary === 'Cookie', `Vary for ${JSON.stringify(script.steps)}`);
    assert.equal(saved.error, undefined);
  }

  it('matches Flask for a new session that is read, written, made permanent or left alone', async () => {
    await compare({ steps: [] });
    await compare({ steps: [['get', 'a']] });
    await compare({ steps: [['get', 'a'], ['set', 'a', T.int(1)]] });
    await compare({ steps: [['permanent_get']] });
    await compare({ steps: [['permanent_set', true]] });
    await compare({ steps: [['set', 'user', T.str('ada')], ['permanent_set', false]] });
  });

  it('matches Flask for a session from a cookie: untouched, read, rewritten with the same value, popped, deleted, cleared', async () => {
    await compare({ from: existing, steps: [] });
    await compare({ from: existing, steps: [['getitem', 'a']] });
    await compare({ from: existing, steps: [['set', 'a', T.int(1)]] });
    await compare({ from: existing, steps: [['pop', 'a']] });
    await compare({ from: existing, steps: [['del', 'b']] });
    await compare({ from: existing, steps: [['pop', 'a'], ['pop', 'b']] });
    await compare({ from: existing, steps: [['clear']] });
  });

  it('pops a key the session does not have without modifying it, so no cookie is written (a logout on an anonymous request)', () => {
    // Flask (werkzeug UpdateDictMixin.pop) only calls on_update when the key was there. signet
    // also counts the look-up as a read, as it does for has/size/keys (README): Vary, no cookie.
    const sessions = flaskSessions();
    for (const session of [new Session(), new Session({ a: 1 }, { isNew: false })]) {
      assert.equal(session.pop('user_id'), undefined);
      assert.equal(session.modified, false);
      assert.equal(session.accessed, true);
      assert.deepEqual(sessions.save(session), { vary: true });
    }
  });

  it('matches Flask for a permanent session: Expires a lifetime ahead, refreshed each request when SESSION_REFRESH_EACH_REQUEST is on', async () => {
    const permanent = T.dict(['_permanent', T.bool(true)], ['a', T.int(1)]);
    await compare({ steps: [['permanent_set', true]], config: { PERMANENT_SESSION_LIFETIME: 3600 }, options: { permanentLifetime: 3600 } });
    // Unmodified: re-sent with a fresh timestamp and Expires when refreshing, not at all otherwise.
    await compare({ from: permanent, steps: [], config: { SESSION_REFRESH_EACH_REQUEST: true }, options: { refreshEachRequest: true } });
    await compare({ from: permanent, steps: [['get', 'a']], config: { SESSION_REFRESH_EACH_REQUEST: false }, options: { refreshEachRequest: false } });
    await compare({ from: permanent, steps: [['set', 'a', T.int(2)]], config: { SESSION_REFRESH_EACH_REQUEST: false }, options: { refreshEachRequest: false } });
    // A session that is not permanent is never refreshed unmodified.
    await compare({ from: existing, steps: [['get', 'a']], config: { SESSION_REFRESH_EACH_REQUEST: true }, options: { refreshEachRequest: true } });
  });

  it('deletes an emptied session exactly as Flask does, with the domain, path, secure and samesite it was set with', async () => {
    const cookie = { domain: 'example.com', path: '/app', secure: true, sameSite: 'Lax' } as const;
    const config = { SESSION_COOKIE_DOMAIN: 'example.com', SESSION_COOKIE_PATH: '/app', SESSION_COOKIE_SECURE: true, SESSION_COOKIE_SAMESITE: 'Lax' };
    await compare({ from: existing, steps: [['clear']], config, options: { cookie } });
    await compare({ from: existing, steps: [['set', 'c', T.int(3)]], config, options: { cookie } });
  });

  it('writes a non-ASCII SESSION_COOKIE_PATH or SESSION_COOKIE_DOMAIN as Flask does (percent-encoded, IDNA), or refuses it at construction', async () => {
    // Werkzeug's dump_cookie: iri_to_uri(path), and the domain IDNA-encoded. A raw
    // non-ASCII attribute cannot be sent at all (Node refuses the header) or never matches.
    for (const [setting, option, config] of [
      ['cookie.path', { path: '/日本' }, { SESSION_COOKIE_PATH: '/日本' }],
      ['cookie.path', { path: '/café' }, { SESSION_COOKIE_PATH: '/café' }],
      ['cookie.domain', { domain: '例え.jp' }, { SESSION_COOKIE_DOMAIN: '例え.jp' }],
    ] as const) {
      let sessions: CookieSessions;
      try {
        sessions = flaskSessions({ cookie: option });
      } catch (error) {
        assert.ok(error instanceof TypeError && error.message.includes(setting), String(error));
        continue;
      }
      const flask = await oracle.sessionScript(FLASK_SECRET, { now: NOW, steps: [['set', 'a', T.int(1)]], config });
      const header = sessions.save(new Session().set('a', 1)).setCookie ?? '';
      assert.deepEqual([header], flask.set_cookie, `${setting}=${JSON.stringify(option)}`);
    }
  });

  it('gives a permanent session Expires = now + PERMANENT_SESSION_LIFETIME, at the injected clock', () => {
    const clock = new TestClock();
    clock.seconds = NOW + 12_345;
    const sessions = flaskSessions({ permanentLifetime: 7200, clock: clock.clock });
    const session = new Session();
    session.permanent = true;
    const saved = sessions.save(session);
    assert.ok(saved.setCookie?.includes(`; Expires=${new Date((NOW + 12_345 + 7200) * 1000).toUTCString()};`), saved.setCookie);
    const notPermanent = new Session();
    notPermanent.set('a', 1);
    assert.doesNotMatch(sessions.save(notPermanent).setCookie ?? '', /Expires/);
  });
});

describe('Session flags beyond Flask: every read counts for Vary', () => {
  const reads: readonly [string, (session: Session) => unknown][] = [
    ['get', (s) => s.get('a')],
    ['has', (s) => s.has('a')],
    ['size', (s) => s.size],
    ['keys', (s) => s.keys()],
    ['permanent', (s) => s.permanent],
  ];

  for (const format of ['flask', 'sealed'] as const) {
    it(`adds Vary: Cookie but sets no cookie for a ${format} session only read with get, has, size, keys or permanent`, () => {
      const sessions = format === 'flask' ? flaskSessions() : sealedSessions();
      const cookie = issue(sessions, { a: 1 });
      for (const [name, read] of reads) {
        const { session } = sessions.open(cookie);
        assert.equal(session.isNew, false);
        read(session);
        assert.deepEqual(sessions.save(session), { vary: true }, name);
      }
      const untouched = sessions.open(cookie).session;
      assert.deepEqual(sessions.save(untouched), { vary: false }, 'a session never read adds nothing');
    });

    it(`sets no cookie at all for a new ${format} session that is never written`, () => {
      const sessions = format === 'flask' ? flaskSessions() : sealedSessions();
      assert.deepEqual(sessions.save(new Session()), { vary: false });
      const read = sessions.open(undefined).session;
      assert.equal(read.get('user'), undefined);
      assert.equal(read.has('user'), false);
      assert.deepEqual(sessions.save(read), { vary: true });
    });
  }

  it('opens a missing cookie as new, a valid one as not new, and a rejected one as new and empty', () => {
    const sessions = sealedSessions();
    assert.equal(sessions.open(undefined).session.isNew, true);
    const valid = sessions.open(issue(sessions, { a: 1 }));
    assert.equal(valid.session.isNew, false);
    assert.equal(valid.rejected, undefined);
    const rejected = sessions.open('S1.AAAAAAAA.AAAA');
    assert.equal(rejected.session.isNew, true);
    assert.equal(rejected.session.size, 0);
    assert.ok(rejected.rejected !== undefined);
  });
});

describe('An emptied session is deleted with the attributes it was set with', () => {
  const cookie: CookieOptions = { domain: 'example.com', path: '/app', secure: true, httpOnly: true, sameSite: 'None', partitioned: true };
  for (const format of ['flask', 'sealed'] as const) {
    it(`deletes a ${format} cookie with Domain, Path, Secure, HttpOnly, SameSite and Partitioned as set, plus Expires=1970 and Max-Age=0`, () => {
      const sessions = format === 'flask' ? flaskSessions({ cookie }) : sealedSessions({ cookie });
      const set = sessions.save(new Session().set('a', 1));
      const setHeader = set.setCookie ?? '';
      const { session } = sessions.open(valueOf(setHeader));
      session.clear();
      const deleted = sessions.save(session);
      assert.equal(deleted.vary, true);
      const header = deleted.setCookie ?? '';
      assert.ok(header.startsWith('session=;'), header);
      const setAttributes = attributesOf(setHeader);
      const deleteAttributes = attributesOf(header);
      assert.deepEqual(
        deleteAttributes.filter((a) => !a.startsWith('Expires=') && !a.startsWith('Max-Age=')),
        setAttributes,
        'the same attributes, in the same order',
      );
      assert.deepEqual(setAttributes, ['Domain=example.com', 'Secure', 'HttpOnly', 'Path=/app', 'SameSite=None', 'Partitioned']);
      assert.ok(deleteAttributes.includes(EPOCH_EXPIRES));
      assert.ok(deleteAttributes.includes('Max-Age=0'));
    });
  }

  it('deletes a session emptied by popping its last key', () => {
    const sessions = sealedSessions();
    const { session } = sessions.open(issue(sessions, { only: 1 }));
    session.pop('only');
    assert.match(sessions.save(session).setCookie ?? '', /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=\/; SameSite=Lax$/);
  });
});

describe('_permanent and _flashes are stored as Flask stores them', () => {
  it('writes permanent=true and two flashes so that Flask reads {"_permanent": True, "_flashes": [("message", "a"), ("error", "b")]} with tuples', async () => {
    const sessions = flaskSessions();
    const session = new Session();
    session.permanent = true;
    session.flash('a');
    session.flash('b', 'error');
    const cookie = valueOf(sessions.save(session).setCookie);
    const expected = T.dict(
      ['_flashes', T.list(T.tuple(T.str('message'), T.str('a')), T.tuple(T.str('error'), T.str('b')))],
      ['_permanent', T.bool(true)],
    );
    const loaded = await oracle.load(FLASK_SECRET, cookie, NOW, { expect: expected });
    assert.ok(loaded.ok, JSON.stringify(loaded));
    assert.equal(loaded.equal, true, `Flask read ${JSON.stringify(loaded.value)}`);
    assert.deepEqual(loaded.value, expected);
  });

  it('appends to flashes Flask wrote, keeping them tuples', async () => {
    const cookie = await oracle.sign(FLASK_SECRET, T.dict(['_flashes', T.list(T.tuple(T.str('message'), T.str('x')))]), NOW - 5);
    const sessions = flaskSessions();
    const { session, rejected } = sessions.open(cookie);
    assert.equal(rejected, undefined);
    session.flash('y', 'warning');
    const written = valueOf(sessions.save(session).setCookie);
    const expected = T.dict(['_flashes', T.list(T.tuple(T.str('message'), T.str('x')), T.tuple(T.str('warning'), T.str('y')))]);
    const loaded = await oracle.load(FLASK_SECRET, written, NOW, { expect: expected });
    assert.ok(loaded.ok && loaded.equal === true, JSON.stringify(loaded));
  });

  function flashedCookie(): string {
    const session = new Session();
    session.flash('a');
    session.flash('b', 'error');
    session.flash('c');
    session.set('user', 'ada');
    return valueOf(flaskSessions().save(session).setCookie);
  }

  it('takes the flashes out of the session, as get_flashed_messages does, and the saved session no longer has them', async () => {
    const cookie = flashedCookie();
    const flask = await oracle.takeFlashes(FLASK_SECRET, cookie, NOW);
    const sessions = flaskSessions();
    const { session } = sessions.open(cookie);
    const taken = session.takeFlashes();
    assert.deepEqual(
      taken.map((f) => [f.category, f.message]),
      flask.messages,
    );
    assert.deepEqual(taken, [
      { category: 'message', message: 'a' },
      { category: 'error', message: 'b' },
      { category: 'message', message: 'c' },
    ]);
    // Flask keeps what the first call took on the request context: a second call in the
    // same request gives the same messages (test/flask-suite.oracle.test.ts asks Flask).
    assert.deepEqual(session.takeFlashes(), taken, 'a second take in the same request gives the same messages');
    assert.equal(session.has('_flashes'), false, 'and the session holds none');
    assert.equal(session.modified, flask.modified);
    const written = valueOf(sessions.save(session).setCookie);
    const loaded = await oracle.load(FLASK_SECRET, written, NOW, { expect: flask.session });
    assert.ok(loaded.ok && loaded.equal === true, `Flask's session after taking: ${JSON.stringify(flask.session)}; ours: ${JSON.stringify(loaded)}`);
    assert.deepEqual(flask.session, T.dict(['user', T.str('ada')]));
  });

  it('filters by category as get_flashed_messages(category_filter) does, taking all of them out of the session', async () => {
    const cookie = flashedCookie();
    for (const filter of [['error'], ['message'], ['error', 'message'], ['nothing']]) {
      const flask = await oracle.takeFlashes(FLASK_SECRET, cookie, NOW, filter);
      const { session } = flaskSessions().open(cookie);
      const taken = session.takeFlashes(filter);
      assert.deepEqual(
        taken.map((f) => [f.category, f.message]),
        flask.messages,
        `filter ${JSON.stringify(filter)}`,
      );
      assert.equal(session.has('_flashes'), false, 'the other categories are gone too, as in Flask');
      assert.deepEqual(toTransport(session.toDict()), flask.session);
    }
  });

  it('treats an empty category filter as no filter, as get_flashed_messages(category_filter=[]) does', async () => {
    const cookie = flashedCookie();
    const flask = await oracle.takeFlashes(FLASK_SECRET, cookie, NOW, []);
    assert.equal(flask.messages.length, 3, 'Flask: an empty (falsy) filter returns every message');
    const { session } = flaskSessions().open(cookie);
    assert.deepEqual(
      session.takeFlashes([]).map((f) => [f.category, f.message]),
      flask.messages,
    );
  });

  it('takes nothing, and writes nothing, from a session without flashes', () => {
    const sessions = flaskSessions();
    const { session } = sessions.open(issue(sessions, { a: 1 }));
    assert.deepEqual(session.takeFlashes(), []);
    assert.equal(session.modified, false);
    assert.equal(sessions.save(session).setCookie, undefined);
  });
});

describe('SECRET_KEY_FALLBACKS', () => {
  const fallbacks = [...OLD_SECRETS];

  it('signs new Flask-format cookies with the current key: real itsdangerous verifies them with it, and with no fallback', async () => {
    const sessions = flaskSessions({ secretFallbacks: fallbacks });
    const cookie = issue(sessions, { user: 'ada' });
    const current = await oracle.load(FLASK_SECRET, cookie, NOW, { expect: T.dict(['user', T.str('ada')]) });
    assert.ok(current.ok && current.equal === true, JSON.stringify(current));
    for (const fallback of fallbacks) {
      const verdict = await oracle.load(oracleSecret(fallback), cookie, NOW);
      assert.ok(!verdict.ok, `verified with the fallback ${fallback}: Flask 3.1.0's bug`);
      assert.ok(verdict.bad_data && /Signature/.test(verdict.error), JSON.stringify(verdict));
    }
  });

  it('accepts a cookie itsdangerous signed with any fallback, and re-issues it under the current key on the same save though unmodified', async () => {
    const sessions = flaskSessions({ secretFallbacks: fallbacks });
    const data = T.dict(['user', T.str('ada')], ['roles', T.tuple(T.str('admin'))]);
    for (const fallback of fallbacks) {
      const old = await oracle.sign(oracleSecret(fallback), data, NOW - 60);
      const { session, rejected } = sessions.open(old);
      assert.equal(rejected, undefined, `signed with ${fallback}`);
      assert.equal(session.modified, false);
      assert.equal(session.reissue, true);
      const saved = sessions.save(session);
      const reissued = valueOf(saved.setCookie);
      assert.notEqual(reissued, old);
      const current = await oracle.load(FLASK_SECRET, reissued, NOW, { expect: data });
      assert.ok(current.ok && current.equal === true, JSON.stringify(current));
      for (const other of fallbacks) assert.equal((await oracle.load(oracleSecret(other), reissued, NOW)).ok, false, `re-issued cookie verifies under ${other}`);
      // And the re-issued cookie is now current: not re-issued again.
      const again = sessions.open(reissued);
      assert.equal(again.session.reissue, false);
      assert.equal(sessions.save(again.session).setCookie, undefined);
    }
  });

  it('keeps a cookie signed with the current key as it is (no re-issue), and refuses one signed with a key it does not hold', async () => {
    const sessions = flaskSessions({ secretFallbacks: fallbacks });
    const current = await oracle.sign(FLASK_SECRET, T.dict(['a', T.int(1)]), NOW - 60);
    const opened = sessions.open(current);
    assert.equal(opened.session.reissue, false);
    assert.deepEqual(sessions.save(opened.session), { vary: false });
    const stranger = await oracle.sign(oracleSecret(STRANGER), T.dict(['a', T.int(1)]), NOW - 60);
    assert.equal(sessions.open(stranger).rejected?.reason, 'signature-mismatch');
    // Without fallbacks, an old key's cookie is refused.
    const old = await oracle.sign(oracleSecret(OLD_SECRETS[2]), T.dict(['a', T.int(1)]), NOW - 60);
    assert.equal(flaskSessions().open(old).rejected?.reason, 'signature-mismatch');
  });

  it('re-issues sealed tokens of every fallback under the current key id', () => {
    const sessions = sealedSessions({ secretFallbacks: fallbacks });
    const currentId = referenceKey(SECRET, 'session').id;
    for (const fallback of fallbacks) {
      const old = referenceSeal({ createdAt: NOW - 100, issuedAt: NOW - 60, expiresAt: NOW + 3600 }, '{"user":"ada"}', fallback, 'session');
      const { session, rejected } = sessions.open(old);
      assert.equal(rejected, undefined, `sealed with ${fallback}`);
      assert.equal(session.modified, false);
      const reissued = valueOf(sessions.save(session).setCookie);
      assert.equal(parseToken(reissued).keyId, currentId);
      const fields = readPlaintext(referenceOpen(reissued, SECRET, 'session'));
      assert.deepEqual(fields.data, { user: 'ada' });
      assert.equal(fields.createdAt, NOW - 100, 'the session keeps its start across the re-issue');
      assert.equal(fields.issuedAt, NOW);
      for (const other of fallbacks) assert.throws(() => referenceOpen(reissued, other, 'session'));
    }
  });
});

describe('The sealed format', () => {
  const everyType = (): PyDict =>
    dictFrom([
      ['none', null],
      ['bools', [true, false]],
      ['ints', [0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2n ** 64n, -(3n ** 50n)]],
      ['floats', [1.5, -0.1, new Float(1), new Float(-0), NaN, Infinity, -Infinity, 1e300, 5e-324]],
      ['text', 'café 😀 \u2028 </script> "q" \\ \u0000 \u007f'],
      ['lone surrogate', '\ud800x'],
      ['tuple', new Tuple([1, 'a', new Tuple([]), [2.5]])],
      ['list', [[], {}, [null]]],
      ['dict', dictFrom([[' t', 'tagged key'], ['nested', { deeper: [1, 2] }]])],
      ['bytes', Uint8Array.from([0, 1, 254, 255])],
      ['markup', new Markup('<b>caf\u00e9 &amp;</b>')],
      ['uuid', new Uuid('12345678-1234-5678-1234-567812345678')],
      ['datetime', new Date(Date.UTC(2015, 9, 21, 7, 28, 0))],
      ['__proto__', 'a key, not a prototype'],
      ['', 'empty key'],
    ]);

  it('round-trips every value type of the session model, strictly (types kept)', () => {
    const sessions = sealedSessions();
    const data = everyType();
    const { session, rejected } = sessions.open(issue(sessions, data));
    assert.equal(rejected, undefined);
    assertStrictEqual(session.toDict(), data);
  });

  it('seals the session as the plaintext [createdAt, issuedAt, expiresAt, Flask tagged JSON], decryptable from the documented layout', async () => {
    let nonceCalls = 0;
    const nonce = Buffer.from('0102030405060708090a0b0c0d0e0f101112131415161718', 'hex');
    const sessions = sealedSessions({
      randomBytes: (size) => {
        nonceCalls++;
        assert.equal(size, 24);
        return nonce;
      },
    });
    const data = everyType();
    const token = issue(sessions, data);
    assert.equal(nonceCalls, 1);
    const parsed = parseToken(token);
    assert.equal(parsed.version, 'S2');
    assert.equal(parsed.keyId, referenceKey(SECRET, 'session').id);
    assert.match(parsed.keyId, /^[A-Za-z0-9_-]{8}$/, 'six bytes of key id');
    assert.deepEqual(parsed.nonce, nonce, 'the nonce leads the body');
    const flaskJson = await oracle.dumps(toTransport(data));
    assert.equal(referenceOpen(token, SECRET, 'session'), `[${NOW},${NOW},${NOW + LIFETIME},${flaskJson}]`);
  });

  it('opens a token sealed independently from the documented layout (positive control for the reference)', () => {
    const token = referenceSeal({ createdAt: NOW - 10, issuedAt: NOW - 5, expiresAt: NOW + 60 }, '{"user":"ada","t":{" t":[1,2]}}', SECRET, 'session');
    const { session, rejected } = sealedSessions().open(token);
    assert.equal(rejected, undefined);
    assertStrictEqual(session.toDict(), { t: new Tuple([1, 2]), user: 'ada' });
    assert.equal(session.createdAt, NOW - 10);
  });

  it('hides the content: the body is neither base64 JSON nor holds the data, unlike the Flask format', () => {
    const marker = 'very-secret-marker-1234567890';
    const sealed = issue(sealedSessions(), { secret: marker });
    const body = Buffer.from(sealed.split('.')[2] ?? '', 'base64url');
    assert.equal(body.includes(marker), false);
    assert.equal(sealed.includes(Buffer.from(marker).toString('base64url').slice(0, 12)), false);
    assert.throws(() => JSON.parse(body.toString('latin1')) as unknown);
    assert.throws(() => JSON.parse(Buffer.from(body.toString('latin1'), 'base64').toString('latin1')) as unknown);
    // The control: the Flask format shows it to anyone.
    assert.deepEqual(flaskPayload(issue(flaskSessions(), { secret: marker })), { secret: marker });
  });

  /** A token whose body's byte length is `remainder` modulo 3 (1 or 2: the last base64 character has spare bits). */
  function tokenWithBodyLength(remainder: 0 | 1 | 2): string {
    const sessions = sealedSessions({ randomBytes: () => Buffer.alloc(24, 9) });
    for (let n = 0; n < 3; n++) {
      const token = issue(sessions, { user: 'ada' + 'x'.repeat(n) });
      if (Buffer.from(token.split('.')[2] ?? '', 'base64url').length % 3 === remainder) return token;
    }
    throw new Error('unreachable: three consecutive lengths cover every remainder');
  }

  it('refuses every single-character change of a token (decrypt-failed, malformed, unknown-key or unsupported-version)', () => {
    const sessions = sealedSessions();
    const token = tokenWithBodyLength(1);
    assert.equal(sessions.open(token).rejected, undefined);
    const accepted: string[] = [];
    const reasons = new Set<string>();
    for (let i = 0; i < token.length; i++) {
      for (const c of [...B64URL_ALPHABET, '.', '=']) {
        if (c === token[i]) continue;
        const changed = token.slice(0, i) + c + token.slice(i + 1);
        const { rejected } = sessions.open(changed);
        if (rejected === undefined) accepted.push(`position ${i}: ${token[i] ?? ''} -> ${c}`);
        else reasons.add(rejected.reason);
      }
    }
    assert.deepEqual(accepted, [], `${accepted.length} changed spellings of ${token} were accepted`);
    assert.deepEqual([...reasons].sort(), ['decrypt-failed', 'malformed', 'unknown-key', 'unsupported-version']);
  });

  it('refuses a token with a character added at the end', () => {
    const sessions = sealedSessions();
    const token = tokenWithBodyLength(0);
    assert.equal(sessions.open(token).rejected, undefined);
    const accepted = B64URL_ALPHABET.filter((c) => sessions.open(token + c).rejected === undefined);
    assert.deepEqual(accepted, [], `${token} + one of ${accepted.join('')} was accepted`);
  });

  it('binds a token to its cookie name: sealed for "session", refused under "other", even with the key id swapped for that name', () => {
    const token = issue(sealedSessions(), { user: 'ada' });
    const other = sealedSessions({ cookie: { name: 'other' } });
    assert.equal(other.open(token).rejected?.reason, 'unknown-key');
    const { id } = referenceKey(SECRET, 'other');
    const [, , body] = token.split('.');
    assert.equal(other.open(`S2.${id}.${body ?? ''}`).rejected?.reason, 'decrypt-failed');
    // The control: the same layout sealed for "other" opens there.
    assert.equal(other.open(referenceSeal({ createdAt: NOW, issuedAt: NOW, expiresAt: NOW + 60 }, '{}', SECRET, 'other')).rejected, undefined);
  });

  it('refuses a token sealed with another secret as unknown-key', () => {
    const token = issue(sealedSessions({ secret: STRANGER }), { user: 'ada' });
    assert.equal(sealedSessions().open(token).rejected?.reason, 'unknown-key');
  });

  it('opens a token of the format before (S1, AES-256-GCM), under the current key or a fallback, and re-issues it as S2 on the same save', () => {
    for (const [secret, options] of [[SECRET, {}], [OLD_SECRETS[1], { secretFallbacks: [...OLD_SECRETS] }]] as const) {
      const old = referenceSeal({ createdAt: NOW - 100, issuedAt: NOW - 60, expiresAt: NOW + 3600 }, '{"user":"ada"}', secret, 'session', undefined, 'S1');
      assert.equal(parseToken(old).version, 'S1');
      const sessions = sealedSessions(options);
      const { session, rejected } = sessions.open(old);
      assert.equal(rejected, undefined);
      assert.equal(session.get('user'), 'ada');
      assert.equal(session.createdAt, NOW - 100);
      const reissued = valueOf(sessions.save(session).setCookie);
      assert.equal(parseToken(reissued).version, 'S2');
      assert.equal(parseToken(reissued).keyId, referenceKey(SECRET, 'session').id);
      const fields = readPlaintext(referenceOpen(reissued, SECRET, 'session'));
      assert.deepEqual([fields.createdAt, fields.issuedAt, fields.data], [NOW - 100, NOW, { user: 'ada' }], 'the session keeps its start, at a new issue time');
    }
  });

  it('refuses an S1 token that is changed, sealed for another name or under the S2 key id', () => {
    const old = referenceSeal({ createdAt: NOW, issuedAt: NOW, expiresAt: NOW + 60 }, '{"user":"ada"}', SECRET, 'session', undefined, 'S1');
    const sessions = sealedSessions();
    const [version, id, body = ''] = old.split('.');
    const flipped = body.slice(0, 20) + (body[20] === 'A' ? 'B' : 'A') + body.slice(21);
    assert.equal(sessions.open(`${version}.${id}.${flipped}`).rejected?.reason, 'decrypt-failed');
    assert.equal(sessions.open(`S1.${referenceKey(SECRET, 'session').id}.${body}`).rejected?.reason, 'unknown-key', 'the S2 key id is not an S1 one');
    assert.equal(sessions.open(`S2.${id}.${body}`).rejected?.reason, 'unknown-key', 'nor the other way');
    assert.equal(sealedSessions({ cookie: { name: 'other' } }).open(old).rejected?.reason, 'unknown-key');
  });

  it('rotates keys: the newest seals, an older one opens and its token is re-issued with the newest key id', () => {
    const oldSessions = sealedSessions({ secret: OLD_SECRETS[2] });
    const old = issue(oldSessions, { user: 'ada' });
    assert.equal(parseToken(old).keyId, referenceKey(OLD_SECRETS[2], 'session').id);
    const rotated = sealedSessions({ secretFallbacks: [...OLD_SECRETS] });
    const { session, rejected } = rotated.open(old);
    assert.equal(rejected, undefined);
    assert.equal(session.get('user'), 'ada');
    const reissued = valueOf(rotated.save(session).setCookie);
    assert.equal(parseToken(reissued).keyId, referenceKey(SECRET, 'session').id);
    assert.deepEqual(readPlaintext(referenceOpen(reissued, SECRET, 'session')).data, { user: 'ada' });
    // New sessions too are sealed with the newest key.
    assert.equal(parseToken(issue(rotated, { a: 1 })).keyId, referenceKey(SECRET, 'session').id);
  });

  it('judges expiry from inside the token: valid through expiresAt, expired one second after', () => {
    const clock = new TestClock();
    const sessions = sealedSessions({ clock: clock.clock, permanentLifetime: 3600 });
    const token = issue(sessions, { a: 1 });
    assert.equal(readPlaintext(referenceOpen(token, SECRET, 'session')).expiresAt, NOW + 3600);
    clock.seconds = NOW + 3600;
    assert.equal(sessions.open(token).rejected, undefined);
    clock.seconds = NOW + 3601;
    assert.equal(sessions.open(token).rejected?.reason, 'expired');
  });

  it('authenticates the expiry: flipping its digits in the ciphertext is refused, and only the key holder can move it', () => {
    const clock = new TestClock();
    const sessions = sealedSessions({ clock: clock.clock, permanentLifetime: 3600 });
    const token = issue(sessions, { a: 1 });
    const plaintext = referenceOpen(token, SECRET, 'session');
    const expiresText = String(NOW + 3600);
    const at = plaintext.indexOf(`,${expiresText},`) + 1;
    assert.ok(at > 0);
    // AES-GCM is a stream cipher: XOR the ciphertext to turn the expiry's first digit from 1 into 9.
    const { version, keyId, nonce, ciphertext, tag } = parseToken(token);
    const forged = Buffer.from(ciphertext);
    forged[at] = (forged[at] ?? 0) ^ ('1'.charCodeAt(0) ^ '9'.charCodeAt(0));
    const forgedToken = `${version}.${keyId}.${Buffer.concat([nonce, forged, tag]).toString('base64url')}`;
    clock.seconds = NOW + 7200;
    assert.equal(sessions.open(forgedToken).rejected?.reason, 'decrypt-failed');
    // With the key, the same change is accepted: the expiry really is read from the plaintext.
    const extended = plaintext.slice(0, at) + '9' + plaintext.slice(at + 1);
    assert.equal(sessions.open(referenceSealPlaintext(extended, SECRET, 'session')).rejected, undefined);
  });

  it("refuses a token issued ahead of the clock as 'future'", () => {
    const ahead = new TestClock();
    ahead.seconds = NOW + 10;
    const token = issue(sealedSessions({ clock: ahead.clock }), { a: 1 });
    assert.equal(sealedSessions().open(token).rejected?.reason, 'future');
    const sameSecond = new TestClock();
    sameSecond.seconds = NOW + 10;
    assert.equal(sealedSessions({ clock: sameSecond.clock }).open(token).rejected, undefined);
  });

  it('uses a fresh random nonce for each seal by default, so the same session never gives the same token twice', () => {
    const sessions = sealedSessions();
    const first = issue(sessions, { a: 1 });
    const second = issue(sessions, { a: 1 });
    assert.notEqual(first, second);
    assert.notDeepEqual(parseToken(first).nonce, parseToken(second).nonce);
  });
});

describe('Migration from the Flask format', () => {
  const data = T.dict(['user', T.str('ada')], ['visits', T.int(3)], ['roles', T.tuple(T.str('admin'), T.str('dev'))], ['_permanent', T.bool(true)]);

  it('accepts a cookie signed by the real Flask, keeps its data and re-issues it sealed on the same save', async () => {
    const flaskCookie = await oracle.sign(FLASK_SECRET, data, NOW - 30);
    const sessions = sealedSessions({ migrateFlask: true });
    const { session, rejected } = sessions.open(flaskCookie);
    assert.equal(rejected, undefined);
    assertStrictEqual(session.toDict(), fromTransport(data));
    assert.equal(session.modified, false);
    const saved = sessions.save(session);
    const token = valueOf(saved.setCookie);
    assert.ok(token.startsWith('S2.'), token);
    const fields = readPlaintext(referenceOpen(token, SECRET, 'session'));
    assert.equal(fields.createdAt, NOW - 30, 'the session began when Flask signed it');
    assert.equal(fields.issuedAt, NOW);
    const flaskJson = await oracle.dumps(data);
    assert.deepEqual(fields.data, JSON.parse(flaskJson) as unknown);
    // Once sealed, it stays as it is.
    const again = sessions.open(token);
    assert.equal(again.rejected, undefined);
    assert.equal(again.session.reissue, false);
  });

  it('refuses a Flask cookie when migrateFlask is off, and a tampered one when it is on', async () => {
    const flaskCookie = await oracle.sign(FLASK_SECRET, data, NOW - 30);
    const plain = sealedSessions().open(flaskCookie);
    assert.ok(plain.rejected !== undefined);
    assert.equal(plain.session.isNew, true);
    assert.equal(plain.session.size, 0);
    const forged = await oracle.sign(oracleSecret(STRANGER), data, NOW - 30);
    assert.equal(sealedSessions({ migrateFlask: true }).open(forged).rejected?.reason, 'signature-mismatch');
  });

  it('accepts a Flask cookie signed with a fallback and re-issues it sealed under the current key', async () => {
    const flaskCookie = await oracle.sign(oracleSecret(OLD_SECRETS[0]), data, NOW - 30);
    const sessions = sealedSessions({ migrateFlask: true, secretFallbacks: [...OLD_SECRETS] });
    const { session, rejected } = sessions.open(flaskCookie);
    assert.equal(rejected, undefined);
    const token = valueOf(sessions.save(session).setCookie);
    assert.equal(parseToken(token).keyId, referenceKey(SECRET, 'session').id);
  });
});

describe('Idle and absolute timeouts, judged from inside the cookie', () => {
  for (const format of ['flask', 'sealed'] as const) {
    const make = (clock: TestClock, options: Options): CookieSessions =>
      format === 'flask' ? flaskSessions({ clock: clock.clock, ...options }) : sealedSessions({ clock: clock.clock, ...options });

    it(`${format}: an idle timeout passes at exactly the limit and fails one second over with 'idle-timeout'`, () => {
      const clock = new TestClock();
      const sessions = make(clock, { idleTimeout: 60 });
      const cookie = issue(sessions, { a: 1 });
      clock.seconds = NOW + 60;
      assert.equal(sessions.open(cookie).rejected, undefined);
      clock.seconds = NOW + 61;
      const late = sessions.open(cookie);
      assert.equal(late.rejected?.reason, 'idle-timeout');
      assert.equal(late.session.isNew, true);
    });

    it(`${format}: a session in use survives its idle timeout, because every read re-issues the cookie`, () => {
      const clock = new TestClock();
      const sessions = make(clock, { idleTimeout: 60 });
      const first = issue(sessions, { a: 1 });
      let cookie = first;
      for (let step = 1; step <= 6; step++) {
        clock.seconds = NOW + 50 * step;
        const { session, rejected } = sessions.open(cookie);
        assert.equal(rejected, undefined, `step ${step}`);
        assert.equal(session.get('a'), 1);
        cookie = valueOf(sessions.save(session).setCookie);
      }
      assert.equal(sessions.open(first).rejected?.reason, 'idle-timeout', 'the first cookie has long timed out');
      // Without refreshing, reading does not re-issue, so the session ends while in use.
      const noRefresh = make(clock, { idleTimeout: 60, refreshEachRequest: false });
      const { session } = noRefresh.open(cookie);
      session.get('a');
      assert.equal(noRefresh.save(session).setCookie, undefined);
    });

    it(`${format}: an absolute timeout ends an active session with 'absolute-timeout', its start carried across re-issues`, () => {
      const clock = new TestClock();
      const sessions = make(clock, { idleTimeout: 60, absoluteTimeout: 120 });
      let cookie = issue(sessions, { a: 1 });
      for (const at of [50, 100]) {
        clock.seconds = NOW + at;
        const { session, rejected } = sessions.open(cookie);
        assert.equal(rejected, undefined);
        assert.equal(session.createdAt, NOW);
        session.set('a', at);
        cookie = valueOf(sessions.save(session).setCookie);
      }
      if (format === 'flask') {
        assert.deepEqual(flaskPayload(cookie), { _created: NOW, a: 100 }, 'the start is kept under _created');
      } else {
        const fields = readPlaintext(referenceOpen(cookie, SECRET, 'session'));
        assert.deepEqual([fields.createdAt, fields.issuedAt, fields.expiresAt], [NOW, NOW + 100, NOW + 120]);
      }
      clock.seconds = NOW + 120;
      assert.equal(sessions.open(cookie).rejected, undefined, 'exactly at the absolute limit');
      clock.seconds = NOW + 121;
      assert.equal(sessions.open(cookie).rejected?.reason, 'absolute-timeout', 'active 21 seconds ago, but begun 121 seconds ago');
    });
  }

  it('keeps _created as Flask reads it: an int key Flask leaves alone', async () => {
    const sessions = flaskSessions({ absoluteTimeout: 3600 });
    const cookie = issue(sessions, { user: 'ada' });
    const loaded = await oracle.load(FLASK_SECRET, cookie, NOW, { expect: T.dict(['_created', T.int(NOW)], ['user', T.str('ada')]) });
    assert.ok(loaded.ok && loaded.equal === true, JSON.stringify(loaded));
  });

  it('takes a Flask cookie without _created as begun when it was signed', async () => {
    const clock = new TestClock();
    const sessions = flaskSessions({ clock: clock.clock, absoluteTimeout: 100 });
    const cookie = await oracle.sign(FLASK_SECRET, T.dict(['a', T.int(1)]), NOW - 100);
    assert.equal(sessions.open(cookie).rejected, undefined);
    assert.equal(sessions.open(cookie).session.createdAt, NOW - 100);
    clock.seconds = NOW + 1;
    assert.equal(sessions.open(cookie).rejected?.reason, 'absolute-timeout');
  });

  it('never lets a permanent cookie outlive the absolute timeout: Expires is the earlier of the lifetime and the end', () => {
    const sessions = sealedSessions({ absoluteTimeout: 600 });
    const session = new Session();
    session.permanent = true;
    const header = sessions.save(session).setCookie ?? '';
    assert.ok(header.includes(`Expires=${new Date((NOW + 600) * 1000).toUTCString()}`), header);
  });
});

describe('The size budget (MAX_COOKIE_SIZE)', () => {
  // The default cookie: HttpOnly, Path=/, SameSite=Lax; Secure only over HTTPS.
  const DEFAULT_ATTRIBUTES = '; HttpOnly; Path=/; SameSite=Lax';

  /** The Set-Cookie size of a sealed {"v": "x" * length} at NOW, from the layout alone. */
  function predictedSealedSize(length: number, attributes: string): number {
    const plaintext = `[${NOW},${NOW},${NOW + LIFETIME},{"v":"${'x'.repeat(length)}"}]`;
    const token = `S2.${'k'.repeat(8)}.${'b'.repeat(base64UrlLength(24 + plaintext.length + 16))}`;
    return Buffer.byteLength(`session=${token}${attributes}`, 'latin1');
  }

  it('refuses a sealed session one step over the default 4093 bytes with CookieTooLarge, and passes one of exactly 4093', () => {
    let length = 0;
    let path = '/';
    search: for (const candidate of ['/', '/a', '/ab']) {
      for (let n = 2000; n < 4000; n++) {
        if (predictedSealedSize(n, `; HttpOnly; Path=${candidate}; SameSite=Lax`) === 4093) {
          length = n;
          path = candidate;
          break search;
        }
      }
    }
    assert.ok(length > 0, 'a length that makes exactly 4093 bytes');
    const sessions = sealedSessions({ cookie: { path } });
    const atLimit = new Session();
    atLimit.set('v', 'x'.repeat(length));
    const saved = sessions.save(atLimit);
    assert.equal(saved.error, undefined);
    assert.equal(Buffer.byteLength(saved.setCookie ?? '', 'latin1'), 4093);

    const over = new Session();
    over.set('v', 'x'.repeat(length + 1));
    const refused = sessions.save(over);
    assert.equal(refused.setCookie, undefined);
    assert.equal(refused.vary, true);
    assert.ok(refused.error instanceof CookieTooLarge);
    assert.equal(refused.error.size, predictedSealedSize(length + 1, `; HttpOnly; Path=${path}; SameSite=Lax`));
    assert.ok(refused.error.size > 4093);
    assert.equal(refused.error.limit, 4093);
    assert.equal(refused.error.cookieName, 'session');
    assert.match(refused.error.message, new RegExp(`${refused.error.size} bytes .*4093`));
  });

  it('measures a Flask-format cookie as Flask signs it plus its attributes, and passes exactly at the limit', async () => {
    // Incompressible text, so that the payload is as long as its JSON.
    const text = cryptoRandomBytes(1500).toString('base64');
    const flaskCookie = await oracle.sign(FLASK_SECRET, T.dict(['v', T.str(text)]), NOW);
    const size = Buffer.byteLength(`session=${flaskCookie}${DEFAULT_ATTRIBUTES}`, 'latin1');
    const session = (): Session => new Session().set('v', text);
    const exact = flaskSessions({ cookie: { ...FLASK_COOKIE, secure: 'auto', sameSite: 'Lax' }, maxCookieSize: size }).save(session());
    assert.equal(exact.error, undefined);
    assert.equal(exact.setCookie, `session=${flaskCookie}${DEFAULT_ATTRIBUTES}`);
    const under = flaskSessions({ cookie: { ...FLASK_COOKIE, secure: 'auto', sameSite: 'Lax' }, maxCookieSize: size - 1 }).save(session());
    assert.equal(under.setCookie, undefined);
    assert.ok(under.error instanceof CookieTooLarge);
    assert.equal(under.error.size, size);
    assert.equal(under.error.limit, size - 1);
  });

  it('counts the attributes: Secure and Expires can push a session over', () => {
    const sessions = sealedSessions();
    const plain = new Session().set('v', 'x');
    const base = Buffer.byteLength(sessions.save(plain).setCookie ?? '', 'latin1');
    const tight = sealedSessions({ maxCookieSize: base });
    assert.equal(tight.save(new Session().set('v', 'x')).error, undefined);
    const secure = tight.save(new Session().set('v', 'x'), { secure: true });
    assert.equal(secure.error?.size, base + '; Secure'.length);
  });
});

describe('The cookie policy, checked at construction', () => {
  const construct = (options: Options): CookieSessions => new CookieSessions({ secret: SECRET, clock: fixed, ...options });
  const refuses = (options: Options, pattern: RegExp): void => {
    assert.throws(() => construct(options), (error: unknown) => error instanceof TypeError && pattern.test(error.message), JSON.stringify(options));
  };

  it('refuses a __Host- cookie without Secure, with a Domain, or with a Path other than /, naming cookie.name', () => {
    refuses({ cookie: { name: '__Host-s' } }, /cookie\.name.*__Host-s/);
    refuses({ cookie: { name: '__Host-s', secure: false } }, /cookie\.name/);
    refuses({ cookie: { name: '__Host-s', secure: 'auto' } }, /cookie\.name/);
    refuses({ cookie: { name: '__Host-s', secure: true, domain: 'example.com' } }, /cookie\.name/);
    refuses({ cookie: { name: '__Host-s', secure: true, path: '/app' } }, /cookie\.name/);
    const ok = construct({ cookie: { name: '__Host-s', secure: true } });
    assert.equal(ok.save(new Session().set('a', 1)).setCookie?.replace(/=[^;]*/, '=…'), '__Host-s=…; Secure; HttpOnly; Path=/; SameSite=Lax');
  });

  it('refuses a __Secure- cookie without Secure', () => {
    refuses({ cookie: { name: '__Secure-s' } }, /cookie\.name.*__Secure-/);
    refuses({ cookie: { name: '__Secure-s', secure: 'auto' } }, /cookie\.name/);
    assert.ok(construct({ cookie: { name: '__Secure-s', secure: true, domain: 'example.com', path: '/app' } }));
  });

  it('refuses SameSite=None and Partitioned without Secure', () => {
    refuses({ cookie: { sameSite: 'None' } }, /cookie\.sameSite/);
    refuses({ cookie: { sameSite: 'None', secure: 'auto' } }, /cookie\.sameSite/);
    refuses({ cookie: { partitioned: true } }, /cookie\.partitioned/);
    refuses({ cookie: { sameSite: 'Lax ' as 'Lax' } }, /cookie\.sameSite/);
    // As Werkzeug's dump_cookie: any case, written title-cased.
    for (const [word, written] of [['lax', 'Lax'], ['STRICT', 'Strict']] as const) {
      const header = construct({ cookie: { sameSite: word as 'Lax' } }).save(new Session().set('a', 1)).setCookie ?? '';
      assert.match(header, new RegExp(`; SameSite=${written}$`));
    }
    const ok = construct({ cookie: { sameSite: 'None', secure: true, partitioned: true } });
    assert.match(ok.save(new Session().set('a', 1)).setCookie ?? '', /; Secure; HttpOnly; Path=\/; SameSite=None; Partitioned$/);
  });

  it('refuses a cookie name that is not a token, a path that does not start with / or holds ; or controls, and an empty or spaced domain', () => {
    for (const name of ['', 'my session', 'a;b', 'sess=ion', 'a,b', 'café', 'a\tb']) refuses({ cookie: { name } }, /cookie\.name is invalid/);
    for (const path of ['', 'app', '/a;b', '/a\nb', '/a\u0000']) refuses({ cookie: { path } }, /cookie\.path is invalid/);
    for (const domain of ['', 'exa mple.com', 'a;b', 'a\nb']) refuses({ cookie: { domain } }, /cookie\.domain is invalid/);
    refuses({ cookie: { secure: 'yes' as unknown as boolean } }, /cookie\.secure is invalid/);
  });

  it('refuses timeouts and sizes that are not whole positive numbers', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      refuses({ idleTimeout: bad }, /idleTimeout is invalid/);
      refuses({ absoluteTimeout: bad }, /absoluteTimeout is invalid/);
      refuses({ permanentLifetime: bad }, /permanentLifetime is invalid/);
    }
    for (const bad of [0, 63, 4093.5, NaN]) refuses({ maxCookieSize: bad }, /maxCookieSize is invalid/);
    refuses({ format: 'xml' as 'flask' }, /format is invalid/);
  });

  it('refuses an absolute timeout shorter than the idle one, naming both settings, and takes one equal or longer', () => {
    refuses({ idleTimeout: 600, absoluteTimeout: 60 }, /^absoluteTimeout is invalid: 60 \(it is shorter than idleTimeout, 600, .*at least 600/);
    assert.ok(construct({ idleTimeout: 600, absoluteTimeout: 600 }));
    assert.ok(construct({ idleTimeout: 600, absoluteTimeout: 3600 }));
  });

  it('refuses a size budget over the 4096 bytes browsers keep, saying bytes, and takes 4096', () => {
    for (const bad of [4097, 100_000_000]) refuses({ maxCookieSize: bad }, /^maxCookieSize is invalid: \d+ \(give a number of bytes from 64 to 4096, .*RFC 6265/);
    assert.equal(construct({ maxCookieSize: 4096 }).settings.maxCookieSize, 4096);
  });

  it('refuses a cookie name longer than half the size budget or 1000 characters, since every cookie carries it', () => {
    refuses({ cookie: { name: 'n'.repeat(1001) } }, /^cookie\.name is invalid: "n{40}…" \(1001 characters\) \(every cookie carries its name, .*maxCookieSize, 4093 bytes.*: give a name of at most 1000 characters\)$/);
    refuses({ maxCookieSize: 100, cookie: { name: 'n'.repeat(51) } }, /give a name of at most 50 characters/);
    for (const format of ['flask', 'sealed'] as const) assert.ok(construct({ format, cookie: { name: 'n'.repeat(1000) } }));
  });

  it('refuses timeouts past a century, whose dates no cookie can carry', () => {
    refuses({ permanentLifetime: 1e12 }, /^permanentLifetime is invalid: 1000000000000 \(give whole seconds, from 1 to 3153600000/);
    refuses({ idleTimeout: 3153600001 }, /idleTimeout is invalid/);
    assert.ok(construct({ permanentLifetime: 3153600000 }));
  });

  it('refuses a domain with a scheme, a port or a path, which browsers would drop, and takes host names and a leading dot', () => {
    for (const domain of ['http://example.com', 'example.com:8080', 'example.com/app', 'example..com', 'example.com.', '.', '-example.com', 'exämple.com']) {
      refuses({ cookie: { domain } }, /^cookie\.domain is invalid/);
    }
    for (const domain of ['example.com', '.example.com', 'localhost', 'xn--exmple-cua.com', 'my_host.internal', '10.0.0.1']) assert.ok(construct({ cookie: { domain } }), domain);
  });

  it('refuses migrateFlask with the Flask format', () => {
    refuses({ format: 'flask', migrateFlask: true }, /migrateFlask/);
    assert.ok(construct({ format: 'sealed', migrateFlask: true }));
  });

  it('refuses an empty secret or fallback, naming it', () => {
    refuses({ secret: '' }, /secret is invalid: it is empty/);
    refuses({ secret: new Uint8Array(0) }, /secret is invalid/);
    // `secret: process.env.SECRET_KEY!` with the variable unset, or a JavaScript caller's null.
    refuses({ secret: undefined as unknown as string }, /^secret is invalid: undefined \(give the key as text or bytes, 32 random bytes or more; if it comes from an environment variable such as SECRET_KEY, that variable is not set\)$/);
    refuses({ secret: null as unknown as string }, /^secret is invalid: null \(give the key/);
    refuses({ secret: 42 as unknown as string }, /^secret is invalid: number \(give the key/);
    refuses({ secret: 'k'.repeat(32), secretFallbacks: [undefined as unknown as string] }, /^secretFallbacks\[0\] is invalid: undefined/);
    refuses({ secretFallbacks: ['x'.repeat(32), ''] }, /secretFallbacks\[1\] is invalid/);
    refuses({ format: 'flask', cookie: FLASK_COOKIE, secretFallbacks: [''] }, /secretFallbacks\[0\] is invalid/);
  });

  it('warns about a secret under 32 bytes, once, and not about one of 32', () => {
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
    };
    construct({ secret: 'x'.repeat(31), warn });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^secret is weak: 31 bytes/);
    construct({ secret: Buffer.alloc(16, 1), warn });
    assert.match(warnings[1] ?? '', /16 bytes/);
    construct({ secret: 'é'.repeat(16), warn }); // 32 bytes of UTF-8
    construct({ secret: Buffer.alloc(32, 1), warn });
    assert.equal(warnings.length, 2);
  });

  it("sets Secure with secure 'auto' only when the request came over HTTPS", () => {
    const sessions = construct({});
    assert.doesNotMatch(sessions.save(new Session().set('a', 1)).setCookie ?? '', /Secure/);
    assert.doesNotMatch(sessions.save(new Session().set('a', 1), { secure: false }).setCookie ?? '', /Secure/);
    assert.match(sessions.save(new Session().set('a', 1), { secure: true }).setCookie ?? '', /; Secure; HttpOnly;/);
    assert.match(construct({ cookie: { secure: true } }).save(new Session().set('a', 1)).setCookie ?? '', /; Secure;/);
    assert.doesNotMatch(construct({ cookie: { secure: false } }).save(new Session().set('a', 1), { secure: true }).setCookie ?? '', /Secure/);
  });

  it('defaults to the sealed format, HttpOnly, Path=/ and SameSite=Lax', () => {
    const header = construct({}).save(new Session().set('a', 1)).setCookie ?? '';
    assert.ok(valueOf(header).startsWith('S2.'));
    assert.deepEqual(attributesOf(header), ['HttpOnly', 'Path=/', 'SameSite=Lax']);
    const flaskDefaults = construct({ format: 'flask' }).save(new Session().set('a', 1)).setCookie ?? '';
    assert.deepEqual(attributesOf(flaskDefaults), ['HttpOnly', 'Path=/', 'SameSite=Lax']);
    assert.deepEqual(attributesOf(construct({ cookie: { httpOnly: false, sameSite: false } }).save(new Session().set('a', 1)).setCookie ?? ''), ['Path=/']);
  });
});

describe('A SameSite policy: the attribute chosen from the session being saved', () => {
  const laxWhenLoggedIn: SameSitePolicy = (session) => (session.peek('_user_id') === undefined ? false : 'Lax');
  const sameSiteOf = (header: string | undefined): string | undefined => /; SameSite=(\w+)/.exec(header ?? '')?.[1];

  it('writes each cookie with what the policy answers for its data, on cookie and on store sessions', async () => {
    const cookies = new CookieSessions({ secret: SECRET, format: 'flask', clock: fixed, cookie: { ...FLASK_COOKIE, sameSite: laxWhenLoggedIn } });
    assert.equal(cookies.save(new Session().set('hello', 'World')).setCookie, cookies.save(new Session().set('hello', 'World')).setCookie);
    assert.equal(sameSiteOf(cookies.save(new Session().set('hello', 'World')).setCookie), undefined, "Flask's cookie while nobody is logged in");
    assert.equal(sameSiteOf(cookies.save(new Session().set('_user_id', '1')).setCookie), 'Lax');
    // The same data renewed in the same second (the renewal memo) keeps its answer.
    const opened = cookies.open(valueOf(cookies.save(new Session().set('_user_id', '1')).setCookie));
    assert.ok(opened.session.get('_user_id') !== undefined);
    opened.session.reissue = true;
    assert.equal(sameSiteOf(cookies.save(opened.session).setCookie), 'Lax');
    // An emptied session is deleted with what the policy answers for no data.
    const emptied = cookies.open(valueOf(cookies.save(new Session().set('_user_id', '1')).setCookie)).session;
    emptied.clear();
    assert.match(cookies.save(emptied).setCookie ?? '', /^session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=\/$/);

    const store = new ServerSessions({ secret: SECRET, store: new MemoryStore({ clock: fixed }), clock: fixed, cookie: { ...FLASK_COOKIE, sameSite: laxWhenLoggedIn } });
    for (const [data, expected] of [[{ hello: 'World' }, undefined], [{ _user_id: '1' }, 'Lax']] as const) {
      const { session, loaded } = await store.open(undefined);
      for (const [key, value] of Object.entries(data)) session.set(key, value);
      assert.equal(sameSiteOf((await store.save(session, loaded)).setCookie), expected, JSON.stringify(data));
    }
  });

  it('refuses an answer that is no SameSite value, and "None" unless the cookie is always Secure, naming cookie.sameSite', () => {
    const answering = (answer: unknown, cookie: CookieOptions = {}): CookieSessions => new CookieSessions({ secret: SECRET, clock: fixed, cookie: { ...cookie, sameSite: () => answer as 'Lax' } });
    for (const answer of ['lax', 'Lax ', undefined, null, true, 1]) {
      assert.throws(() => answering(answer).save(new Session().set('a', 1)), (error: unknown) => error instanceof TypeError && /^cookie\.sameSite is invalid: its policy returned/.test(error.message), String(answer));
    }
    assert.throws(() => answering('None', { secure: 'auto' }).save(new Session().set('a', 1), { secure: true }), /cookie\.sameSite is invalid: its policy returned "None" \(.*"None" needs cookie\.secure: true\)/);
    assert.match(answering('None', { secure: true }).save(new Session().set('a', 1)).setCookie ?? '', /; Secure; HttpOnly; Path=\/; SameSite=None$/);
    assert.match(answering('Strict').save(new Session().set('a', 1)).setCookie ?? '', /; HttpOnly; Path=\/; SameSite=Strict$/);
  });
});

describe('Schema validation on open', () => {
  const store = sealedSessions();
  const goodCookie = issue(store, { userId: 1, profile: { age: 30 } });
  const badCookie = issue(store, { userId: 'one', profile: { age: 'thirty' } });

  it('opens data failing a function validator as a new empty session, with reason schema and the message', () => {
    const sessions = sealedSessions({ schema: (data) => typeof data['userId'] === 'number' || 'userId must be a number' });
    assert.equal(sessions.open(goodCookie).rejected, undefined);
    const opened = sessions.open(badCookie);
    assert.equal(opened.rejected?.reason, 'schema');
    assert.match(opened.rejected.message, /userId must be a number/);
    assert.equal(opened.session.isNew, true);
    assert.equal(opened.session.size, 0);
    const falsy = sealedSessions({ schema: () => false }).open(goodCookie);
    assert.equal(falsy.rejected?.reason, 'schema');
  });

  it('applies a hand-written Standard Schema, naming the path of each issue', () => {
    const seen: unknown[] = [];
    const schema: StandardSchemaV1<PyDict> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          seen.push(value);
          const data = value as { profile?: { age?: unknown } };
          return typeof data.profile?.age === 'number'
            ? { value: value as PyDict }
            : { issues: [{ message: 'must be a number', path: ['profile', { key: 'age' }] }, { message: 'top-level problem' }] };
        },
      },
    };
    const sessions = sealedSessions({ schema });
    assert.equal(sessions.open(goodCookie).rejected, undefined);
    const opened = sessions.open(badCookie);
    assert.equal(opened.rejected?.reason, 'schema');
    assert.match(opened.rejected.message, /profile\.age: must be a number/);
    assert.match(opened.rejected.message, /top-level problem/);
    assert.deepEqual(seen[1], { userId: 'one', profile: { age: 'thirty' } }, 'the schema sees the session data');
    assert.equal(opened.session.size, 0);
  });

  it('reports an asynchronous Standard Schema as an error instead of accepting the data', () => {
    const schema: StandardSchemaV1<PyDict> = {
      '~standard': { version: 1, vendor: 'test', validate: (value) => Promise.resolve({ value: value as PyDict }) },
    };
    const opened = sealedSessions({ schema }).open(goodCookie);
    assert.equal(opened.rejected?.reason, 'schema');
    assert.match(opened.rejected.message, /asynchronous/);
    assert.equal(opened.session.size, 0);
  });

  it('applies a real zod schema, in both formats', () => {
    // The cast: see the next test (zod's type is refused under exactOptionalPropertyTypes).
    const schema = z.object({ userId: z.number(), profile: z.object({ age: z.number() }) }) as unknown as StandardSchemaV1<PyDict>;
    for (const [sessions, store2] of [
      [sealedSessions({ schema }), store],
      [flaskSessions({ schema }), flaskSessions()],
    ] as const) {
      assert.equal(sessions.open(issue(store2, { userId: 1, profile: { age: 30 } })).rejected, undefined);
      const opened = sessions.open(issue(store2, { userId: 1, profile: { age: 'thirty' } }));
      assert.equal(opened.rejected?.reason, 'schema');
      assert.match(opened.rejected.message, /profile\.age: /);
      assert.equal(opened.session.isNew, true);
    }
  });

  it("types a zod schema as a valid `schema` option under the project's own compiler settings (exactOptionalPropertyTypes)", () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
    const virtual = join(root, 'test', '__zod_schema_type_check__.ts');
    const source = [
      "import { z } from 'zod';",
      "import { CookieSessions } from 'signet-session';",
      "new CookieSessions({ secret: 'x'.repeat(32), schema: z.object({ userId: z.number() }) });",
      '',
    ].join('\n');
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, ...rest) =>
      fileName === virtual ? ts.createSourceFile(fileName, source, languageVersion) : getSourceFile(fileName, languageVersion, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (fileName) => fileName === virtual || fileExists(fileName);
    const program = ts.createProgram({ rootNames: [virtual], options: { ...options, noEmit: true }, host });
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(virtual));
    assert.deepEqual(
      diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      [],
    );
  });
});

describe('Regenerating a cookie session', () => {
  const SECRET_32 = 'a regeneration secret, 32+ bytes long';
  for (const format of ['flask', 'sealed'] as const) {
    it(`starts it anew (${format}): a new cookie even with the same data, and the absolute timeout counted from now`, () => {
      let now = 1_700_000_000_000;
      const sessions = new CookieSessions({ secret: SECRET_32, format, absoluteTimeout: 100, clock: () => now });
      const first = sessions.open(undefined).session;
      first.set('user', 'ada');
      const cookie = (sessions.save(first).setCookie ?? '').split(';')[0]?.slice('session='.length) ?? '';
      now += 60_000;
      const login = sessions.open(cookie).session;
      login.regenerate();
      const renewed = (sessions.save(login).setCookie ?? '').split(';')[0]?.slice('session='.length) ?? '';
      assert.notEqual(renewed, '');
      now += 60_000; // 120 s after the first start, 60 s after the regeneration
      assert.equal(sessions.open(cookie).rejected?.reason, 'absolute-timeout');
      const reopened = sessions.open(renewed);
      assert.equal(reopened.rejected, undefined);
      assert.deepEqual(Object.fromEntries(Object.entries(reopened.session.toDict()).filter(([key]) => key !== '_created')), { user: 'ada' });
    });
  }

  it('with keep: false, keeps none of the data', () => {
    const sessions = new CookieSessions({ secret: SECRET_32, format: 'flask' });
    const first = sessions.open(undefined).session;
    first.set('user', 'ada');
    const cookie = (sessions.save(first).setCookie ?? '').split(';')[0]?.slice('session='.length) ?? '';
    const again = sessions.open(cookie).session;
    again.regenerate({ keep: false });
    again.set('fresh', 1);
    const renewed = (sessions.save(again).setCookie ?? '').split(';')[0]?.slice('session='.length) ?? '';
    assert.deepEqual(sessions.open(renewed).session.toDict(), { fresh: 1 });
  });
});
