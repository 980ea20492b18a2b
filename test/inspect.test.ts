/**
 * inspectCookie on claims no date can hold, found by the reliability suite's parser fuzz:
 * a timestamp of 2^47 seconds and a signature that does not match.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspectCookie } from 'signet-session';

const KEY = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');
// Timestamp segment "abcdefgh": 6 bytes, about 1.16e14 seconds, past any JavaScript Date.
const FAR = '.1.abcdefgh.AAAA';

describe('inspectCookie with a timestamp no date can hold', () => {
  it('reads the cookie without a key and says when it claims to be signed, without throwing', () => {
    const inspection = inspectCookie(FAR);
    assert.equal(inspection.signedAt, 116235194464289);
    assert.match(inspection.checks.find((c) => c.name === 'timestamp')?.detail ?? '', /116235194464289 seconds after 1970, later than any date/);
  });

  it('with the key, fails on the signature, which does not match, and passes no check it did not pass', () => {
    const derived = createHmac('sha1', KEY).update('cookie-session').digest();
    const expected = createHmac('sha1', derived).update('.1.abcdefgh').digest('base64url');
    assert.notEqual(expected, 'AAAA');
    const inspection = inspectCookie(FAR, { secret: KEY });
    assert.equal(inspection.verified, false);
    const signature = inspection.checks.find((c) => c.name === 'signature');
    assert.equal(signature?.ok, false, JSON.stringify(inspection.checks));
    assert.match(signature.detail, /Signature does not match/);
    assert.equal(inspection.checks.filter((c) => c.ok && c.name !== 'format').length, 0);
  });
});

describe('inspectCookie on a server-side session id', () => {
  // Made here the way session-id.ts documents it, without signet: family.secret.b64u(HMAC-SHA1(HMAC-SHA1(key, salt), value)).
  const family = Buffer.alloc(6, 1).toString('base64url');
  const secret = Buffer.alloc(32, 2).toString('base64url');
  const value = `${family}.${secret}`;
  const derived = createHmac('sha1', KEY).update('signet-session-id').digest();
  const cookie = `${value}.${createHmac('sha1', derived).update(value).digest('base64url')}`;

  it('says it is a reference to data in the store, with no payload, without a key', () => {
    const inspection = inspectCookie(cookie);
    assert.equal(inspection.format, 'reference');
    assert.equal(inspection.payload, undefined);
    assert.match(inspection.checks[0]?.detail ?? '', /server-side session id/);
  });

  it('verifies its signature with the key, and fails it with another or when changed', () => {
    assert.equal(inspectCookie(cookie, { secret: KEY }).verified, true);
    assert.equal(inspectCookie(cookie, { secret: Buffer.alloc(16, 9) }).failure, 'signature-mismatch');
    const changed = cookie.slice(0, 10) + (cookie[10] === 'A' ? 'B' : 'A') + cookie.slice(11);
    assert.equal(inspectCookie(changed, { secret: KEY }).verified, false);
  });

  it('is never taken for a Flask cookie, whose timestamp segment is far shorter', () => {
    const flask = `eyJhIjoxfQ.AAAAAA.${'A'.repeat(27)}`;
    assert.equal(inspectCookie(flask).format, 'flask');
  });
});
