// The base64 helpers of the core, held to Node's own encoder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isCanonicalBase64Url } from 'signet-session/core/base64';
import { B64URL_ALPHABET } from './support/tokens.js';

describe('isCanonicalBase64Url', () => {
  it('says a text is canonical exactly when re-encoding what Node decodes from it gives it back', () => {
    const text = fc.array(fc.constantFrom(...B64URL_ALPHABET, '=', '+', '/', '.', ' '), { maxLength: 40 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (candidate) => {
        const alphabetOnly = /^[A-Za-z0-9_-]*$/.test(candidate);
        const roundTrips = Buffer.from(candidate, 'base64url').toString('base64url') === candidate;
        assert.equal(isCanonicalBase64Url(candidate), alphabetOnly && roundTrips, JSON.stringify(candidate));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts the encoding of any bytes, and refuses it with its last character moved by one', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        assert.equal(isCanonicalBase64Url(text), true);
        if (text.length % 4 !== 0) {
          const last = B64URL_ALPHABET.indexOf(text.at(-1) ?? '');
          const moved = text.slice(0, -1) + (B64URL_ALPHABET[(last + 1) % 64] ?? '');
          assert.equal(isCanonicalBase64Url(moved), false, `${text} -> ${moved}`);
        }
      }),
    );
  });
});
