/**
 * A verdict on untrusted data (BadData and its subclasses) is returned far more often than
 * thrown, so it is made without a stack trace: these tests hold the verdicts to their types
 * and messages without one, the thrower to a stack that starts at its caller, and the
 * process's Error.stackTraceLimit to what it was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadData, BadSignature, BadTimeSignature, CookieSessions, FlaskSessionCodec, SignatureExpired } from 'signet-session';

const SECRET = 'hex:3f77855a0851bd4fb8a9b6354b6aa95f';
// The lesson's session in Flask's format, with a signature that does not match (made up here).
const FOREIGN = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.ZvBjBw.7kJbCHq0hQpTR9rqbV1o4Ur7yl8';

describe('a verdict on untrusted data', () => {
  it('carries its type, reason and message, and no stack frames', () => {
    const { rejected } = new CookieSessions({ secret: SECRET, format: 'flask', warn: () => {} }).open(FOREIGN);
    assert.ok(rejected instanceof BadTimeSignature && rejected instanceof BadSignature && rejected instanceof BadData);
    assert.equal(rejected.reason, 'signature-mismatch');
    assert.equal(rejected.message, 'Signature does not match');
    assert.equal(rejected.stack, 'BadTimeSignature: Signature does not match');
  });

  it('leaves Error.stackTraceLimit as it was, whatever it was', () => {
    const before = Error.stackTraceLimit;
    try {
      for (const limit of [10, 0, 3, Infinity]) {
        Error.stackTraceLimit = limit;
        const error = new SignatureExpired('Signature age 5 > 1 seconds', 'expired');
        assert.equal(Error.stackTraceLimit, limit);
        assert.equal(error.name, 'SignatureExpired');
        // Ordinary errors made afterwards still get their frames.
        if (limit > 0) assert.match(new Error('after').stack ?? '', /\n\s+at /);
      }
    } finally {
      Error.stackTraceLimit = before;
    }
  });

  it('gets a stack from where it is thrown, starting at the thrower\'s caller', () => {
    const codec = new FlaskSessionCodec({ secret: SECRET });
    function readsTheCookie(): unknown {
      try {
        codec.decodeOrThrow(FOREIGN);
      } catch (error) {
        return error;
      }
      return undefined;
    }
    const error = readsTheCookie();
    assert.ok(error instanceof BadSignature);
    const frames = (error.stack ?? '').split('\n');
    assert.equal(frames[0], 'BadTimeSignature: Signature does not match');
    assert.match(frames[1] ?? '', /at readsTheCookie /);
  });
});
