// The base64 helpers of the core, held to Node's own encoder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeAsciiBase64Url, decodeBase64Lenient, isCanonicalBase64Url } from 'signet-session/core/base64';
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

describe('decodeAsciiBase64Url', () => {
  it("gives the text the lenient decoder's bytes stand for whenever it answers, and answers for every alphabet-only text of ASCII bytes", () => {
    const ascii = fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes.map((byte) => byte & 0x7f)).toString('base64url'));
    const anyBytes = fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
    const junk = fc.array(fc.constantFrom(...B64URL_ALPHABET, '=', '+', '/', '.', ' ', 'é'), { maxLength: 40 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(fc.oneof(ascii, anyBytes, junk), (text) => {
        const answer = decodeAsciiBase64Url(text);
        const bytes = decodeBase64Lenient(text, 'url-safe', true);
        const simple = text.length % 4 !== 1 && /^[A-Za-z0-9_-]*$/.test(text) && bytes !== undefined && bytes.every((byte) => byte < 0x80);
        if (simple) assert.equal(answer, new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), JSON.stringify(text));
        else assert.equal(answer, undefined, JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('decodes a text longer than its first buffer', () => {
    const json = JSON.stringify({ v: 'x'.repeat(9000) });
    assert.equal(decodeAsciiBase64Url(Buffer.from(json).toString('base64url')), json);
  });
});
