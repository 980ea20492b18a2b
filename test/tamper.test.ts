/**
 * Tampering: every single-character substitution, deletion and insertion anywhere in a
 * valid cookie is refused, and refused without throwing. No Python needed: the two
 * cookies below were signed by Flask 2.2.2 (python3-flask) with the lesson's key at
 * 1700000000.
 *
 * Flask itself accepts a few of these edits: its lenient base64 ignores the low bits of
 * the signature's last character and skips stray characters, so several spellings of a
 * signature verify (flask-verdicts.oracle.test.ts counts them). We accept only the
 * canonical spelling, deliberately; the assertions here are about ours.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadData, FlaskSessionCodec } from 'signet-session';
import { dictFrom } from './support/transport.js';
import { assertStrictEqual } from './support/strict-equal.js';

const LESSON_KEY = Uint8Array.from(Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex'));
const SIGNED_AT = 1700000000;

const COOKIES = [
  {
    name: 'the lesson cookie',
    cookie: 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.ZVPxAA.39VI66dJlYjAVzdAIQPAZTPS6t0',
    data: dictFrom([
      ['hello', 'World'],
      ['goodnight', 'Moon'],
    ]),
  },
  {
    name: 'a compressed cookie',
    cookie: '.eJyrVkrPz0_Jy0zPKFGyUvLNz89T0lHKSM3JyQdyw_OLclJA_MzikvyiSiWraLgQLhpqAhYqthYAgW4ibQ.ZVPxAA.4xHFJ62pgFYNXRL3ebhj3WzNG7w',
    data: dictFrom([
      ['hello', 'World'],
      ['goodnight', 'Moon'],
      ['history', ['World', 'World', 'World', 'World', 'Moon', 'Moon', 'Moon', 'Moon']],
    ]),
  },
] as const;

/** The characters put in: the URL-safe base64 alphabet, the separator, padding, the standard alphabet's extras, junk. */
const CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''), '.', '=', '+', '/', '!', ' '];

interface Edit {
  readonly token: string;
  readonly what: string;
}

function* editsOf(cookie: string): Generator<Edit> {
  for (let i = 0; i <= cookie.length; i++) {
    for (const c of CHARS) {
      if (i < cookie.length && c !== cookie[i]) yield { token: cookie.slice(0, i) + c + cookie.slice(i + 1), what: `substitute ${JSON.stringify(c)} at ${String(i)}` };
      yield { token: cookie.slice(0, i) + c + cookie.slice(i), what: `insert ${JSON.stringify(c)} at ${String(i)}` };
    }
    if (i < cookie.length) yield { token: cookie.slice(0, i) + cookie.slice(i + 1), what: `delete at ${String(i)}` };
  }
}

describe('tampered cookies', () => {
  const codec = new FlaskSessionCodec({ secret: LESSON_KEY, clock: () => SIGNED_AT * 1000 });

  for (const { name, cookie, data } of COOKIES) {
    it(`${name} itself decodes to its session`, () => {
      const decoded = codec.decodeOrThrow(cookie);
      assertStrictEqual(decoded.data, data);
      assert.equal(decoded.issuedAt, SIGNED_AT);
    });

    it(`every single-character substitution, deletion and insertion in ${name} is refused without throwing`, () => {
      let count = 0;
      for (const { token, what } of editsOf(cookie)) {
        if (token === cookie) continue; // deleting or inserting can give the cookie back only when it is unchanged
        count++;
        let result;
        try {
          result = codec.decode(token);
        } catch (error) {
          assert.fail(`decode threw on ${what} (${token}): ${String(error)}`);
        }
        assert.ok(!result.ok, `${what} was accepted: ${token}`);
        assert.ok(result.error instanceof BadData, `${what}: ${String(result.error)}`);
      }
      // (length + 1) insertion points and `length` positions, each with every character.
      assert.ok(count > cookie.length * CHARS.length * 1.9, `only ${String(count)} edits were tried`);
    });

    it(`every edit of the signature's last character in ${name} is refused, including those with the same leading bits`, () => {
      const last = cookie.length - 1;
      for (const c of CHARS) {
        if (c === cookie[last]) continue;
        const token = cookie.slice(0, last) + c;
        assert.equal(codec.decode(token).ok, false, `last character ${JSON.stringify(c)} was accepted`);
      }
    });
  }
});
