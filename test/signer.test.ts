/**
 * The signer's HMAC-SHA1 is plain code over pads hashed once (core/hmac-sha1.ts), not
 * createHmac: these tests hold it to createHmac's signature for any text and key, and
 * the signer to the itsdangerous definition (key = HMAC(secret, salt)) computed here.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Signer } from 'signet-session';
import { HmacSha1 } from 'signet-session/core/hmac-sha1';
import { setMemosEnabled } from 'signet-session/core/memo';

const RUNS = Number(process.env['SIGNET_PROPERTY_RUNS'] ?? 300);

/** itsdangerous's signature of `value`: HMAC-SHA1 under the key derived from `secret` and `salt`, base64url. */
function expectedSignature(secret: string | Uint8Array, salt: string, value: string): string {
  const key = createHmac('sha1', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret).update(salt, 'utf8').digest();
  return createHmac('sha1', key).update(value, 'utf8').digest('base64url');
}

describe('Signer signs as createHmac does', () => {
  it('for any text (any UTF-16, lone surrogates too), any secret and salt, with the memos on and off', () => {
    const secret = fc.oneof(fc.string({ minLength: 1, unit: 'binary' }), fc.uint8Array({ minLength: 1, maxLength: 200 }));
    fc.assert(
      fc.property(secret, fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', maxLength: 300 }), (key, salt, value) => {
        const expected = expectedSignature(key, salt, value);
        assert.equal(new Signer({ secret: key, salt }).signature(value), expected);
        setMemosEnabled(false);
        try {
          assert.equal(new Signer({ secret: key, salt }).signature(value), expected);
        } finally {
          setMemosEnabled(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('for texts around the length past which it falls back to createHmac, in ASCII and in 3-byte UTF-8', () => {
    const signer = new Signer({ secret: 'a secret', salt: 'cookie-session' });
    for (const length of [0, 1, 55, 56, 63, 64, 8191, 8192, 8193, 20_000]) {
      for (const unit of ['a', '€', '\ud800']) {
        const value = unit.repeat(length);
        assert.equal(signer.signature(value), expectedSignature('a secret', 'cookie-session', value), `${length} × ${JSON.stringify(unit)}`);
      }
    }
  });

  it('signs one text after a longer one with the longer one\'s bytes left in its buffer', () => {
    const signer = new Signer({ secret: 'a secret', salt: 'salt' });
    setMemosEnabled(false);
    try {
      signer.signature('x'.repeat(5000));
      assert.equal(signer.signature('short'), expectedSignature('a secret', 'salt', 'short'));
    } finally {
      setMemosEnabled(true);
    }
  });
});

describe('HmacSha1 gives createHmac\'s HMAC-SHA1', () => {
  const expected = (key: Uint8Array, text: string): string => createHmac('sha1', key).update(text, 'utf8').digest('base64url');

  it('for any key of up to 64 bytes and any text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 400 }), (key, text) => {
        assert.equal(new HmacSha1(key).signBase64Url(text), expected(key, text));
      }),
      { numRuns: RUNS },
    );
  });

  it('for every text length from 0 to 300 bytes (each place SHA-1\'s padding can fall) and long texts past its buffer', () => {
    const key = new Uint8Array(64).map((_, i) => 255 - i);
    const hmac = new HmacSha1(key);
    for (let length = 0; length <= 300; length++) {
      const text = 'x'.repeat(length);
      assert.equal(hmac.signBase64Url(text), expected(key, text), `${length} bytes`);
    }
    for (const text of ['y'.repeat(16_384), '€'.repeat(5_462), 'z'.repeat(100_000)]) assert.equal(hmac.signBase64Url(text), expected(key, text));
  });

  it('refuses a key longer than a block, which RFC 2104 hashes first', () => {
    assert.throws(() => new HmacSha1(new Uint8Array(65)), /key is invalid: 65 bytes/);
  });
});
