/**
 * signet's Flask session cookies against the real Flask (Debian's python3-flask 2.2.2,
 * itsdangerous 2.1.2), asked through test/oracle/flask_oracle.py. Every expected value
 * comes from Flask; every comparison keeps Python's types apart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FlaskSessionCodec, Uuid, type PyDict, type Secret } from 'signet-session';
import { FlaskOracle, oracleSecret } from './support/flask-oracle.js';
import { LESSON_KEY, pySecret, pySession, pyTimestamp } from './support/py-arbitraries.js';
import { assertStrictEqual, strictDifference } from './support/strict-equal.js';
import { dictFrom, fromTransport, toTransport } from './support/transport.js';

/** Cases per property (SIGNET_PROPERTY_RUNS=20000 for a deeper search). */
const RUNS = Number(process.env['SIGNET_PROPERTY_RUNS'] ?? 1000);
const MAX_AGE = 2678400;

let oracle: FlaskOracle;

before(async () => {
  oracle = await FlaskOracle.start();
});

after(async () => {
  await oracle.close();
});

/** A codec whose clock reads `now` (plus a fraction of a second, which must not matter). */
function codecAt(secret: Secret, now: number, fraction = 0): FlaskSessionCodec {
  return new FlaskSessionCodec({ secret, clock: () => now * 1000 + fraction });
}

/** A moment within the max age of a cookie signed at `ts`: its age in seconds and a sub-second fraction. */
const ageArb = fc.record({
  age: fc.oneof(fc.constantFrom(0, 1, MAX_AGE - 1, MAX_AGE), fc.integer({ min: 0, max: MAX_AGE })),
  fraction: fc.integer({ min: 0, max: 999 }),
});

const LESSON_SESSION = dictFrom([
  ['hello', 'World'],
  ['goodnight', 'Moon'],
]);
const LESSON_COOKIE = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9.ZVPxAA.39VI66dJlYjAVzdAIQPAZTPS6t0';

describe('Flask session cookies, against the real Flask', () => {
  it('the lesson session signed at 1700000000 with the lesson key is the known cookie, from Flask and from us', async () => {
    const flask = await oracle.sign(oracleSecret(LESSON_KEY), toTransport(LESSON_SESSION), 1700000000);
    assert.equal(flask, LESSON_COOKIE);
    assert.equal(codecAt(LESSON_KEY, 1700000000).encode(LESSON_SESSION, 1700000000), LESSON_COOKIE);
    const decoded = codecAt(LESSON_KEY, 1700000000).decodeOrThrow(LESSON_COOKIE);
    assertStrictEqual(decoded.data, LESSON_SESSION);
    assert.equal(decoded.issuedAt, 1700000000);
  });

  it('a cookie Flask signs decodes to an equal value with its types kept', async () => {
    await fc.assert(
      fc.asyncProperty(pySecret, pySession, pyTimestamp, ageArb, async (secret, session, ts, { age, fraction }) => {
        const cookie = await oracle.sign(oracleSecret(secret), toTransport(session), ts);
        const result = codecAt(secret, ts + age, fraction).decode(cookie);
        if (!result.ok) assert.fail(`${cookie} was refused: ${result.error.name} (${result.error.reason}) ${result.error.message}`);
        assertStrictEqual(result.value.data, session, cookie);
        assert.equal(result.value.issuedAt, ts);
        assert.equal(result.value.secretIndex, 0);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });

  it('a cookie we sign loads in Flask as an equal value of the same Python types', async () => {
    await fc.assert(
      fc.asyncProperty(pySecret, pySession, pyTimestamp, ageArb, async (secret, session, ts, { age }) => {
        const cookie = codecAt(secret, ts).encode(session, ts);
        const expect = toTransport(session);
        const flask = await oracle.load(oracleSecret(secret), cookie, ts + age, { expect });
        if (!flask.ok) assert.fail(`Flask refused ${cookie}: ${flask.error}: ${flask.message}`);
        assert.equal(flask.is_dict, true);
        if (flask.equal !== true) {
          const loaded = flask.value === undefined ? flask.value_error : strictDifference(fromTransport(flask.value), session);
          assert.fail(`Flask loaded ${cookie} as a different value: ${String(loaded)}`);
        }
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });

  it('our cookie is byte for byte the cookie Flask signs for the same secret, data and second, compressed or not', async () => {
    let compressed = 0;
    let plain = 0;
    await fc.assert(
      fc.asyncProperty(pySecret, pySession, pyTimestamp, async (secret, session, ts) => {
        const flask = await oracle.sign(oracleSecret(secret), toTransport(session), ts);
        const ours = codecAt(secret, 0).encode(session, ts);
        assert.equal(ours, flask);
        if (flask.startsWith('.')) compressed++;
        else plain++;
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
    // Both payload forms must really have been compared, many times each.
    assert.ok(compressed >= RUNS / 5, `only ${String(compressed)} compressed cookies`);
    assert.ok(plain >= RUNS / 5, `only ${String(plain)} uncompressed cookies`);
  });

  it('sessions right at the compression threshold take the same compress-or-not decision and bytes as Flask', async () => {
    // {"k":"a…a"}: Flask compresses from 12 "a"s on; the rest exercise other short shapes.
    const shapes: PyDict[] = [];
    for (let n = 0; n <= 60; n++) {
      shapes.push(dictFrom([['k', 'a'.repeat(n)]]));
      shapes.push(dictFrom([['k', 'ab'.repeat(n)]]));
      shapes.push(dictFrom([['k', Array.from({ length: n }, () => 0)]]));
      shapes.push(dictFrom([['k', '\u00e9'.repeat(n)]]));
    }
    let decisionsSeen = 0;
    for (const session of shapes) {
      const flask = await oracle.sign(oracleSecret(LESSON_KEY), toTransport(session), 1700000000);
      assert.equal(codecAt(LESSON_KEY, 0).encode(session, 1700000000), flask, JSON.stringify(session));
      if (flask.startsWith('.')) decisionsSeen |= 1;
      else decisionsSeen |= 2;
    }
    assert.equal(decisionsSeen, 3);
    // The documented edge: 11 "a"s stay plain, 12 are compressed.
    const eleven = await oracle.sign(oracleSecret(LESSON_KEY), toTransport(dictFrom([['k', 'a'.repeat(11)]])), 1700000000);
    const twelve = await oracle.sign(oracleSecret(LESSON_KEY), toTransport(dictFrom([['k', 'a'.repeat(12)]])), 1700000000);
    assert.ok(!eleven.startsWith('.') && twelve.startsWith('.'));
  });

  it('short repetitive sessions compress to exactly the bytes of Python\'s zlib, and the compress-or-not decision follows', async () => {
    // Found by the byte-for-byte property: zlib 1.2.13's classic hash finds matches that a
    // different hash function misses, which changes the bytes and sometimes the decision.
    const cases = [
      dictFrom([['', [0, 9, 9, 0]], [' ', 'aaaaaaaaaaa']]), // Flask compresses this one
      dictFrom([['', new Uuid('00001000000000000000000000000000')]]),
      dictFrom([['k', '00000']]),
    ];
    for (const session of cases) {
      const flask = await oracle.sign(oracleSecret(LESSON_KEY), toTransport(session), 1700000000);
      assert.equal(codecAt(LESSON_KEY, 0).encode(session, 1700000000), flask);
    }
  });

  it('a cookie Flask signs survives our decode and re-encode unchanged, and Flask loads the result back equal', async () => {
    await fc.assert(
      fc.asyncProperty(pySecret, pySession, pyTimestamp, ageArb, async (secret, session, ts, { age, fraction }) => {
        const expect = toTransport(session);
        const cookie = await oracle.sign(oracleSecret(secret), expect, ts);
        const codec = codecAt(secret, ts + age, fraction);
        const decoded = codec.decodeOrThrow(cookie);
        const again = codec.encode(decoded.data, decoded.issuedAt);
        assert.equal(again, cookie);
        const flask = await oracle.load(oracleSecret(secret), again, ts + age, { expect });
        assert.ok(flask.ok && flask.equal === true, `Flask loaded our re-encoding of ${cookie} differently`);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });

  it('a cookie verifies only under the secret that signed it, text (UTF-8) and binary secrets alike, in Flask and in ours', async () => {
    const secretPair = fc
      .tuple(pySecret, pySecret)
      .filter(([a, b]) => !Buffer.from(typeof a === 'string' ? Buffer.from(a, 'utf8') : a).equals(Buffer.from(typeof b === 'string' ? Buffer.from(b, 'utf8') : b)));
    const ts = 1700000000;
    await fc.assert(
      fc.asyncProperty(secretPair, pySession, async ([signing, other], session) => {
        const flask = await oracle.sign(oracleSecret(signing), toTransport(session), ts);
        assert.equal(codecAt(signing, ts).decode(flask).ok, true);
        const ours = codecAt(other, ts).decode(flask);
        const theirs = await oracle.load(oracleSecret(other), flask, ts);
        assert.ok(!ours.ok, 'we accepted a cookie signed with another secret');
        assert.ok(!theirs.ok, 'Flask accepted a cookie signed with another secret');
        assert.equal(ours.error.name, theirs.error);
      }),
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });

  it('a text secret is its UTF-8 bytes to Flask and to us', async () => {
    for (const text of ['clé secrète', '秘密', '🔑', 'dev']) {
      const bytes = Uint8Array.from(Buffer.from(text, 'utf8'));
      const fromText = await oracle.sign(oracleSecret(text), toTransport(LESSON_SESSION), 1700000000);
      const fromBytes = await oracle.sign(oracleSecret(bytes), toTransport(LESSON_SESSION), 1700000000);
      assert.equal(fromText, fromBytes);
      assert.equal(codecAt(text, 0).encode(LESSON_SESSION, 1700000000), fromText);
      assert.equal(codecAt(bytes, 0).encode(LESSON_SESSION, 1700000000), fromText);
    }
  });
});
