/**
 * Renewing an unchanged session. Flask re-writes the cookie after any assignment, even
 * of the value a key already has (the lesson route does this on every request), so a
 * busy server renews the same cookie many times a second. CookieSessions.save tells a
 * renewal from a change by the data's JSON, and keeps the answer per (cookie, second,
 * Secure): these tests hold the memos to giving exactly what a computation with every
 * memo off gives (setMemosEnabled(false)), whatever the session went through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CookieSessions, encodeBase64Url, FLASK_COOKIE, FlaskSessionCodec, Float, Session, TimestampSigner, Tuple, type PyDict, type PyValue, type SessionOptions } from 'signet-session';
import { setMemosEnabled } from 'signet-session/core/memo';
import { withoutMemos } from './support/memos.js';
import { pyDictOf, pyKey, pyValue } from './support/py-arbitraries.js';
import { assertStrictEqual } from './support/strict-equal.js';

const RUNS = Number(process.env['SIGNET_PROPERTY_RUNS'] ?? 300);
const NOW = 1_700_000_000;
const SECRET = 'a test secret that is long enough!';
const OLD_SECRET = 'the previous secret, 32 bytes long!';

const clockAt = (seconds: number) => (): number => seconds * 1000 + 250;

function sessionsFor(format: 'flask' | 'sealed', seconds: number, options: Partial<SessionOptions> = {}): CookieSessions {
  return new CookieSessions({
    secret: SECRET,
    format,
    clock: clockAt(seconds),
    ...options,
    ...(format === 'flask' ? { cookie: { ...FLASK_COOKIE, ...options.cookie } } : {}),
  });
}

/** A cookie holding `data`, issued at `seconds`. */
function cookieOf(sessions: CookieSessions, data: PyDict): string {
  const session = new Session();
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  const saved = sessions.save(session);
  assert.ok(saved.setCookie !== undefined && saved.error === undefined);
  return valueOf(saved.setCookie);
}


function valueOf(setCookie: string): string {
  const pair = setCookie.split(';', 1)[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1);
}

function opened(sessions: CookieSessions, cookie: string): Session {
  const result = sessions.open(cookie);
  assert.equal(result.rejected, undefined, 'the cookie opens');
  return result.session;
}

describe('CookieSessions.save tells a renewal from a change by the JSON of the data', () => {
  const sessions = sessionsFor('flask', NOW);
  const cookie = cookieOf(sessions, { name: 'Ada', visits: 3, nested: [1, 2] });
  // Over a tiny budget, what save does shows whether it saw a change: an unchanged
  // session keeps the cookie it came with (renewalSkipped), a changed one is an error.
  const tiny = sessionsFor('flask', NOW, { maxCookieSize: 64 });
  const verdict = (session: Session): 'unchanged' | 'changed' => {
    const saved = tiny.save(session);
    assert.equal(saved.setCookie, undefined);
    if (saved.renewalSkipped !== undefined) return 'unchanged';
    assert.ok(saved.error !== undefined);
    return 'changed';
  };

  it('counts reads, and assignments of values equal to what the cookie holds (lists and dicts too), as no change', () => {
    const session = opened(tiny, cookie);
    session.get('name');
    session.get('nested');
    session.has('missing');
    session.set('name', 'Ada');
    session.set('visits', 3);
    session.set('nested', [1, 2]);
    assert.equal(session.keys().length, 3);
    assert.equal(session.pop('missing'), undefined);
    session.toDict();
    assert.equal(session.modified, true, 'Flask still counts the assignments as modifications');
    assert.equal(verdict(session), 'unchanged');
  });

  it('counts any real change: another value, a new key, a delete, a clear, permanent, a flash, a list changed in place', () => {
    const changes: Array<(session: Session) => void> = [
      (s) => s.set('name', 'Grace'),
      (s) => s.set('visits', '3'),
      (s) => s.set('visits', new Float(3)),
      (s) => s.set('extra', 1),
      (s) => s.delete('name'),
      (s) => s.pop('visits'),
      (s) => { s.clear(); s.set('name', 'Ada'); },
      (s) => (s.permanent = true),
      (s) => { s.flash('hello'); },
      // Changed in place, then marked, as Flask asks (`session.modified = True`).
      (s) => { (s.get('nested') as PyValue[]).push(3); s.modified = true; },
      (s) => { (s.toDict()['nested'] as PyValue[]).pop(); s.modified = true; },
    ];
    for (const change of changes) {
      const session = opened(tiny, cookie);
      change(session);
      assert.equal(verdict(session), 'changed', String(change));
    }
  });

  it('tells 0 from -0.0, which Python writes differently', () => {
    const zero = cookieOf(sessions, { n: 0 });
    const session = opened(tiny, zero);
    session.set('n', -0);
    assert.equal(verdict(session), 'changed');
  });

  it('never counts a new session, or one whose cookie was rejected, as unchanged', () => {
    assert.equal(verdict(new Session().set('a', 1)), 'changed');
    const rejected = tiny.open(cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A'));
    assert.ok(rejected.rejected !== undefined);
    rejected.session.set('a', 1);
    assert.equal(verdict(rejected.session), 'changed');
  });
});

describe('An unchanged Flask-format session is renewed without writing its data again', () => {
  const sessions = sessionsFor('flask', NOW);
  const payloadOf = (cookie: string): string => cookie.slice(0, cookie.lastIndexOf('.', cookie.lastIndexOf('.') - 1));
  const renewed = (cookie: string, write: (session: Session) => void): string => {
    const session = opened(sessions, cookie);
    write(session);
    return valueOf(sessions.save(session).setCookie ?? '');
  };

  it('tells an untouched session from a written one: equal scalars are no change; a new value, a delete, a list handed out are', () => {
    const cookie = cookieOf(sessions, { name: 'Ada', visits: 3, nested: [1, 2] });
    const asOpened = (write: (session: Session) => void): boolean => {
      const session = opened(sessions, cookie);
      write(session);
      return session.asOpened;
    };
    assert.equal(asOpened((s) => s.set('name', s.get('name') ?? 'x').set('visits', 3)), true);
    assert.equal(asOpened((s) => void s.has('name')), true);
    for (const write of [
      (s: Session) => void s.set('visits', 4),
      (s: Session) => void s.set('visits', '3'),
      (s: Session) => void s.set('extra', null),
      (s: Session) => void s.set('nested', [1, 2]),
      (s: Session) => void s.get('nested'),
      (s: Session) => void s.peek('nested'),
      (s: Session) => void s.toDict(),
      (s: Session) => void s.delete('name'),
      (s: Session) => { s.clear(); },
      (s: Session) => { s.flash('hi'); },
    ]) {
      assert.equal(asOpened(write), false, String(write));
    }
    assert.equal(new Session().set('a', 1).asOpened, false, 'a new session has no cookie to keep');
  });

  it('gives the bytes a fresh encoding of the same data gives, for any data (the cookie\'s payload, a new timestamp)', () => {
    const fresh = new FlaskSessionCodec({ secret: SECRET, clock: clockAt(NOW) });
    fc.assert(
      fc.property(pyDictOf(pyValue, { minKeys: 1 }), (data) => {
        let cookie: string;
        try {
          cookie = cookieOf(sessionsFor('flask', NOW - 30), data);
        } catch {
          return; // a value the format cannot hold
        }
        const rewriteScalars = (s: Session): void => {
          for (const key of s.keys()) {
            const value = s.peek(key);
            if (typeof value !== 'object' || value === null) s.set(key, value as PyValue);
          }
          s.modified = true; // Flask re-writes a modified session: a dict of lists only has nothing else to write
        };
        const value = withoutMemos(() => renewed(cookie, rewriteScalars));
        assert.notEqual(value, '');
        assert.equal(value, withoutMemos(() => fresh.encode(opened(sessions, cookie).toDict(), NOW)));
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps the payload its cookie came with, also one another serializer wrote with the key (JSON with spaces)', () => {
    const foreignPayload = encodeBase64Url(Buffer.from('{"name": "Ada", "visits": 3}'));
    const signer = new TimestampSigner({ secret: SECRET, salt: 'cookie-session', clock: clockAt(NOW - 30) });
    const cookie = signer.sign(foreignPayload);
    const kept = renewed(cookie, (s) => void s.set('visits', 3));
    assert.equal(payloadOf(kept), foreignPayload);
    assert.notEqual(kept, cookie, 'signed anew, at the current second');
    // Not compressed, though zlib would shrink it: zlib's choice is not made again either.
    const longPayload = encodeBase64Url(Buffer.from(`{"note":"${'la'.repeat(200)}"}`));
    assert.equal(payloadOf(renewed(signer.sign(longPayload), (s) => void s.set('note', s.get('note') ?? ''))), longPayload);
    // Written data is written as Flask writes it: compact, keys sorted.
    const written = renewed(cookie, (s) => void s.set('visits', 4));
    assert.equal(payloadOf(written), encodeBase64Url(Buffer.from('{"name":"Ada","visits":4}')));
  });
});

describe('CookieSessions.save renews an unchanged cookie as a fresh computation would', () => {
  it('gives the same Set-Cookie for the same cookie in the same second, and a new timestamp a second later (Flask format)', () => {
    const issuer = sessionsFor('flask', NOW - 100);
    const cookie = cookieOf(issuer, { hello: 'World' });
    const now = sessionsFor('flask', NOW);
    const renew = (sessions: CookieSessions): string | undefined => {
      const session = opened(sessions, cookie);
      session.set('hello', 'World');
      return sessions.save(session).setCookie;
    };
    const first = renew(now);
    assert.equal(renew(now), first);
    assert.equal(first, `session=${cookieOf(sessionsFor('flask', NOW), { hello: 'World' })}; HttpOnly; Path=/`, 'what a new session with the same data gets');
    assert.notEqual(renew(sessionsFor('flask', NOW + 1)), first);
  });

  it('keeps Secure apart: the same cookie renewed over HTTPS and over HTTP gets each its own attributes', () => {
    const sessions = sessionsFor('sealed', NOW);
    const cookie = cookieOf(sessions, { a: 1 });
    const renew = (secure: boolean): string => {
      const session = opened(sessions, cookie);
      session.set('a', 1);
      return sessions.save(session, { secure }).setCookie ?? '';
    };
    assert.match(renew(true), /; Secure;/);
    assert.doesNotMatch(renew(false), /; Secure/);
    assert.match(renew(true), /; Secure;/);
  });

  for (const format of ['flask', 'sealed'] as const) {
    it(`never answers from the memo what the session no longer holds (${format} format, any data and any changes)`, () => {
      const operation: fc.Arbitrary<(session: Session) => void> = fc.oneof(
        fc.constant((s: Session) => {
          for (const key of s.keys()) {
            const value = s.peek(key);
            if (value !== undefined && (typeof value !== 'object' || value === null)) s.set(key, value);
          }
        }),
        fc.tuple(pyKey, pyValue).map(([key, value]) => (s: Session) => void s.set(key, value)),
        pyKey.map((key) => (s: Session) => void s.get(key)),
        pyKey.map((key) => (s: Session) => void s.delete(key)),
        fc.constant((s: Session) => void s.toDict()),
        fc.constant((s: Session) => (s.permanent = true)),
        fc.constant((s: Session) => { s.clear(); }),
      );
      const options = fc.record({ absoluteTimeout: fc.option(fc.constant(3600), { nil: undefined }), fallback: fc.boolean(), secure: fc.boolean() });
      fc.assert(
        fc.property(pyDictOf(pyValue, { minKeys: 1 }), fc.array(operation, { maxLength: 4 }), fc.array(operation, { maxLength: 4 }), options, (data, before, after, { absoluteTimeout, fallback, secure }) => {
          const settings: Partial<SessionOptions> = {
            ...(absoluteTimeout === undefined ? {} : { absoluteTimeout }),
            secretFallbacks: [OLD_SECRET],
            maxCookieSize: 4096, // the most browsers keep (and CookieSessions takes)
          };
          const issuer = new CookieSessions({ ...settings, secret: fallback ? OLD_SECRET : SECRET, format, clock: clockAt(NOW - 30) });
          let cookie: string;
          try {
            cookie = cookieOf(issuer, data);
          } catch {
            return; // a value the format cannot hold (bytes beyond what JSON writes...): nothing to renew
          }
          const primed = sessionsFor(format, NOW, settings);
          const apply = (sessions: CookieSessions, operations: ReadonlyArray<(session: Session) => void>): { setCookie?: string; vary: boolean } => {
            const session = opened(sessions, cookie);
            for (const op of operations) op(session);
            return sessions.save(session, { secure });
          };
          apply(primed, before); // fills the memos with whatever the first request left
          const fromMemo = apply(primed, after);
          // The same request with every memo off: computed afresh, all the way down.
          setMemosEnabled(false);
          let fresh: { setCookie?: string; vary: boolean };
          try {
            fresh = apply(sessionsFor(format, NOW, settings), after);
          } finally {
            setMemosEnabled(true);
          }
          assert.equal(fromMemo.vary, fresh.vary);
          assert.equal(fromMemo.setCookie === undefined, fresh.setCookie === undefined);
          if (fromMemo.setCookie === undefined || fresh.setCookie === undefined) return;
          if (format === 'flask') {
            assert.equal(fromMemo.setCookie, fresh.setCookie);
            return;
          }
          // Sealed: a fresh computation draws a new nonce; compare what the tokens hold.
          assert.deepEqual(fromMemo.setCookie.split('; ').slice(1), fresh.setCookie.split('; ').slice(1));
          const reader = sessionsFor('sealed', NOW, settings);
          const [memoSession, freshSession] = [fromMemo, fresh].map((saved) => opened(reader, valueOf(saved.setCookie ?? '')));
          assertStrictEqual(memoSession?.toDict(), freshSession?.toDict());
          assert.equal(memoSession?.createdAt, freshSession?.createdAt);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('writes a new Flask-format session from the memo only when the data is equal: small dicts of look-alike values', () => {
    // Values whose texts collide in naive spellings: "1" and 1, "null" and None, 0 and -0.0...
    const lookAlike = fc.constantFrom<PyValue>('', '1', 1, 1.5, '1.5', 0, -0, 'null', null, 'true', true, false, ':', '1:a', 'a');
    const smallDict = pyDictOf(lookAlike, { maxKeys: 3, key: fc.constantFrom('a', 'b', '1', '1:a', ':', '') });
    fc.assert(
      fc.property(fc.array(smallDict, { maxLength: 8 }), smallDict, fc.boolean(), (others, data, secure) => {
        const primed = sessionsFor('flask', NOW);
        const write = (sessions: CookieSessions, dict: PyDict): string | undefined => {
          const session = new Session();
          for (const [key, value] of Object.entries(dict)) session.set(key, value);
          return sessions.save(session, { secure }).setCookie;
        };
        for (const other of others) write(primed, other);
        assert.equal(write(primed, data), withoutMemos(() => write(sessionsFor('flask', NOW), data)));
      }),
      { numRuns: RUNS },
    );
    // And every pair of them, one after the other, under every key.
    const values: PyValue[] = ['', '1', 1, 1.5, '1.5', 0, -0, 'null', null, 'true', true, false, ':', '1:a', 'a'];
    for (const key of ['a', '1', ':']) {
      const primed = sessionsFor('flask', NOW);
      const write = (sessions: CookieSessions, value: PyValue): string | undefined => sessions.save(new Session().set(key, value)).setCookie;
      for (const first of values) {
        write(primed, first);
        for (const second of values) assert.equal(write(primed, second), withoutMemos(() => write(sessionsFor('flask', NOW), second)), `${JSON.stringify(first)} then ${JSON.stringify(second)}`);
      }
    }
  });

  it('never gives two new sealed sessions one token, even with equal data in the same second', () => {
    const sessions = sessionsFor('sealed', NOW);
    assert.notEqual(cookieOf(sessions, { a: 1 }), cookieOf(sessions, { a: 1 }));
  });

  it('renews a sealed cookie read with an old key under the current key, once per second, and keeps the data', () => {
    const old = new CookieSessions({ secret: OLD_SECRET, format: 'sealed', clock: clockAt(NOW - 5) });
    const cookie = cookieOf(old, { cart: new Tuple(['apple', 2]) });
    const sessions = sessionsFor('sealed', NOW, { secretFallbacks: [OLD_SECRET] });
    const renew = (): string => valueOf(sessions.save(opened(sessions, cookie)).setCookie ?? '');
    const first = renew();
    assert.notEqual(first, cookie);
    assert.equal(renew(), first);
    assert.equal(first.split('.')[1], cookieOf(sessions, { x: 1 }).split('.')[1], 'the current key id');
    assertStrictEqual(opened(sessionsFor('sealed', NOW), first).toDict(), { cart: new Tuple(['apple', 2]) });
  });
});

describe('A Flask cookie read before is judged again each time', () => {
  it('by its age: valid, then expired past the lifetime, "future" on a clock set back, and valid again in between', () => {
    let seconds = NOW;
    const codec = new FlaskSessionCodec({ secret: SECRET, maxAge: 60, clock: () => seconds * 1000 });
    const cookie = codec.encode({ hello: 'World' });
    const verdict = (): string => {
      const decoded = codec.decode(cookie);
      return decoded.ok ? 'ok' : decoded.error.reason;
    };
    assert.equal(verdict(), 'ok');
    seconds = NOW + 60;
    assert.equal(verdict(), 'ok', 'an age of exactly max_age passes, as in itsdangerous');
    seconds = NOW + 61;
    assert.equal(verdict(), 'expired');
    seconds = NOW - 1;
    assert.equal(verdict(), 'future');
    seconds = NOW + 30;
    assert.equal(verdict(), 'ok');
  });

  it('hands out its own copy of the data: changing one reading changes no other', () => {
    const codec = new FlaskSessionCodec({ secret: SECRET, clock: clockAt(NOW) });
    const cookie = codec.encode({ hello: 'World' });
    const first = codec.decodeOrThrow(cookie).data;
    first['hello'] = 'changed';
    assert.equal(codec.decodeOrThrow(cookie).data['hello'], 'World');
  });
});
