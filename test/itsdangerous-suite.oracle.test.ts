/**
 * itsdangerous's own test suite, mirrored: pallets/itsdangerous `tests/test_itsdangerous/`
 * test_signer.py, test_timed.py, test_serializer.py, test_url_safe.py (and the
 * timestamp and base64 helpers of test_encoding.py), asked of the real itsdangerous and
 * of signet with the same keys, values and seconds. docs/flask-fidelity.md lists each
 * test with where it is covered, or why signet differs.
 *
 * signet implements the settings Flask's session uses: HMAC-SHA1 with the "hmac" key
 * derivation, "." as separator, Flask's tagged JSON as the serializer. So the oracle
 * builds itsdangerous's classes with those settings (test/oracle/flask_oracle.py
 * `op_its_sign`, `op_ser_dumps`...), with the salts the tests use; the digests, key
 * derivations, algorithms and serializers the tests swap in have no counterpart here.
 *
 * The suite's own Python is Debian's itsdangerous 2.1.2 (Flask 2.2); the tests run
 * against the itsdangerous 2.2.0 of Flask 3.1 too where it is there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BadData,
  FlaskSessionCodec,
  Signer,
  TimestampSigner,
  decodeBase64Lenient,
  decodePayload,
  decodeTimestamp,
  dumpTaggedJson,
  encodeBase64Url,
  encodePayload,
  encodeTimestamp,
  type PyValue,
  type Result,
} from 'signet-session';
import { FlaskOracle, findFlask31Python, type ItsUnsignResponse, type PyErrorVerdict } from './support/flask-oracle.js';
import { fromTransport, toTransport, type Transport } from './support/transport.js';

/** test_timed.py's frozen time: datetime(2011, 6, 24, 0, 9, 5, tzinfo=timezone.utc). */
const TS = 1_308_874_145;
const SIGNER_SALT = 'itsdangerous.Signer';
const SESSION_SALT = 'cookie-session';

let its21: FlaskOracle;
let its22: FlaskOracle | undefined;
const found = findFlask31Python();

before(async () => {
  its21 = await FlaskOracle.start();
  assert.equal((await its21.versions()).itsdangerous, '2.1.2');
  if (found.python !== undefined) its22 = await FlaskOracle.start({ python: found.python });
});
after(async () => {
  await its21.close();
  await its22?.close();
});

/** The itsdangerous versions the tests ask: 2.1.2 always, 2.2 where Flask 3.1's Python is there. */
function oracles(): readonly (readonly [string, FlaskOracle])[] {
  return its22 === undefined ? [['itsdangerous 2.1', its21]] : [['itsdangerous 2.1', its21], ['itsdangerous 2.2', its22]];
}

type Kind = 'Signer' | 'TimestampSigner';
const KINDS: readonly Kind[] = ['Signer', 'TimestampSigner'];

interface Keys {
  /** Oldest first; the last signs (itsdangerous's key list, Flask's SECRET_KEY_FALLBACKS + SECRET_KEY). */
  readonly secretKeys: readonly string[];
  readonly salt: string;
}

const SECRET_KEY: Keys = { secretKeys: ['secret-key'], salt: SIGNER_SALT };

function signetOptions(keys: Keys): { secret: string; secretFallbacks: string[]; salt: string } {
  const secret = keys.secretKeys.at(-1);
  assert.ok(secret !== undefined);
  return { secret, secretFallbacks: keys.secretKeys.slice(0, -1), salt: keys.salt };
}

/** What signet's signer of this kind answers for `token`, at second `now`. */
function signetUnsign(kind: Kind, keys: Keys, token: string, now = TS, maxAge?: number): Result<{ readonly value: string; readonly timestamp?: number }> {
  if (kind === 'Signer') return new Signer(signetOptions(keys)).unsign(token);
  return new TimestampSigner({ ...signetOptions(keys), clock: () => now * 1000 }).unsign(token, maxAge);
}

function signetSign(kind: Kind, keys: Keys, value: string, ts = TS): string {
  return kind === 'Signer' ? new Signer(signetOptions(keys)).sign(value) : new TimestampSigner({ ...signetOptions(keys), clock: () => ts * 1000 }).sign(value);
}

const hexText = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

/** signet's verdict is itsdangerous's: the same value (and timestamp), or the same class, message, payload and date_signed. */
function assertSameVerdict(python: ItsUnsignResponse, ours: Result<{ readonly value: string; readonly timestamp?: number }>, what: string): void {
  if (python.ok) {
    assert.ok(ours.ok, `${what}: itsdangerous accepts it; signet says ${ours.ok ? '' : `${ours.error.name}: ${ours.error.message}`}`);
    assert.equal(ours.value.value, hexText(python.value_hex), `${what}: the value`);
    assert.equal(ours.value.timestamp, python.timestamp, `${what}: the timestamp`);
    return;
  }
  assert.ok(!ours.ok, `${what}: itsdangerous raises ${python.error} (${python.message}); signet accepts it`);
  assertSameError(python, ours.error, what);
}

function assertSameError(python: PyErrorVerdict, error: BadData, what: string): void {
  assert.equal(error.name, python.error, `${what}: the class (${python.message} / ${error.message})`);
  // itsdangerous writes the signature it was given into BadSignature's message (Signature b'...' does not match); signet does not.
  // Where Python shows bytes (b'.'), signet shows text (".").
  if (!/^Signature b'.*' does not match$/.test(python.message)) assert.equal(error.message, python.message.replace(/b'([^']*)'/g, '"$1"'), `${what}: the message`);
  const payload = 'payload' in error ? (error.payload as string | undefined) : undefined;
  assert.equal(payload, python.payload_hex === undefined ? undefined : hexText(python.payload_hex), `${what}: the payload`);
  if (python.date_signed !== undefined) {
    assert.equal('signedAt' in error ? error.signedAt : undefined, python.date_signed ?? undefined, `${what}: date_signed`);
  }
}

// ---------------------------------------------------------------------------

describe('itsdangerous test_signer.py (TestSigner) and, inherited, test_timed.py (TestTimestampSigner)', () => {
  for (const kind of KINDS) {
    it(`test_signer (${kind}): the token itsdangerous signs, byte for byte, and each side unsigns the other's`, async () => {
      for (const [name, oracle] of oracles()) {
        const theirs = await oracle.itsSign({ ...SECRET_KEY, timed: kind === 'TimestampSigner', ts: TS }, 'my string');
        const ours = signetSign(kind, SECRET_KEY, 'my string');
        assert.equal(ours, theirs, name);
        assertSameVerdict(await oracle.itsUnsign({ ...SECRET_KEY, timed: kind === 'TimestampSigner' }, ours, { now: TS }), signetUnsign(kind, SECRET_KEY, theirs), name);
      }
    });

    const edits: readonly (readonly [string, string, (token: string) => string])[] = [
      ['test_no_separator', 'my string', (token) => token.replace('.', '*')],
      ['test_broken_signature', 'b', (token) => token.slice(0, -1)],
      ['test_changed_value', 'my string', (token) => token.replace('my', 'other')],
    ];
    for (const [test, value, edit] of edits) {
      it(`${test} (${kind}): the same exception as itsdangerous, with its payload${kind === 'TimestampSigner' ? ' and date_signed' : ''}`, async () => {
        const token = edit(signetSign(kind, SECRET_KEY, value));
        for (const [name, oracle] of oracles()) {
          const python = await oracle.itsUnsign({ ...SECRET_KEY, timed: kind === 'TimestampSigner' }, token, { now: TS });
          assert.ok(!python.ok && python.bad_data, `${name}: ${JSON.stringify(python)}`);
          if (test === 'test_broken_signature') assert.equal(hexText(python.payload_hex ?? ''), 'b', 'the payload is the value, as the test asserts');
          assertSameVerdict(python, signetUnsign(kind, SECRET_KEY, token), `${name}, ${test}`);
        }
      });
    }

    it(`test_key_derivation[hmac] (${kind}): the one derivation Flask's session uses round-trips, and matches itsdangerous's`, async () => {
      const keys: Keys = { secretKeys: ['secret-key'], salt: SESSION_SALT };
      for (const [name, oracle] of oracles()) {
        const theirs = await oracle.itsSign({ ...keys, timed: kind === 'TimestampSigner', ts: TS }, 'value');
        assert.equal(signetSign(kind, keys, 'value'), theirs, name);
        const back = signetUnsign(kind, keys, theirs);
        assert.ok(back.ok && back.value.value === 'value');
      }
    });

    it(`test_secret_keys (${kind}): a token signed with "a" verifies with the keys ["a", "b"], where "b" signs, in both`, async () => {
      const old: Keys = { secretKeys: ['a'], salt: SIGNER_SALT };
      const rotated: Keys = { secretKeys: ['a', 'b'], salt: SIGNER_SALT };
      for (const [name, oracle] of oracles()) {
        const timed = kind === 'TimestampSigner';
        const theirs = await oracle.itsSign({ ...old, timed, ts: TS }, 'my string');
        const ours = signetSign(kind, old, 'my string');
        assert.equal(ours, theirs);
        assertSameVerdict(await oracle.itsUnsign({ ...rotated, timed }, ours, { now: TS }), signetUnsign(kind, rotated, theirs), name);
        const read = signetUnsign(kind, rotated, theirs);
        assert.ok(read.ok && 'secretIndex' in read.value && read.value.secretIndex === 1, 'signet says the fallback "a" verified it');
        // And "b" is the one that signs.
        assert.equal(signetSign(kind, rotated, 'my string'), await oracle.itsSign({ ...rotated, timed, ts: TS }, 'my string'));
      }
    });
  }
});

describe('itsdangerous test_timed.py (TestTimestampSigner)', () => {
  const timed = { ...SECRET_KEY, timed: true } as const;

  it('test_max_age: valid at 1 and at exactly 10 seconds with max_age=10, SignatureExpired at 11 with date_signed the signing second', async () => {
    const token = signetSign('TimestampSigner', SECRET_KEY, 'value');
    for (const [name, oracle] of oracles()) {
      for (const age of [1, 10, 11]) {
        const python = await oracle.itsUnsign(timed, token, { now: TS + age, maxAge: 10 });
        assert.equal(python.ok, age <= 10, `${name} at ${age} s`);
        assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token, TS + age, 10), `${name} at ${age} s`);
      }
    }
  });

  it('test_return_timestamp: unsign gives the value and the second it was signed', async () => {
    for (const [name, oracle] of oracles()) {
      const token = await oracle.itsSign({ ...timed, ts: TS }, 'value');
      const python = await oracle.itsUnsign(timed, token, { now: TS });
      assert.ok(python.ok && python.timestamp === TS, name);
      assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token), name);
    }
  });

  it('test_timestamp_missing: a plain Signer\'s token is BadTimeSignature "timestamp missing" with no date_signed', async () => {
    for (const [name, oracle] of oracles()) {
      const token = await oracle.itsSign({ ...SECRET_KEY, timed: false }, 'value');
      const python = await oracle.itsUnsign(timed, token, { now: TS });
      assert.ok(!python.ok && python.message.includes('missing') && python.date_signed === null, `${name}: ${JSON.stringify(python)}`);
      assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token), name);
    }
  });

  it('test_malformed_timestamp: a validly signed "value.____________" is BadTimeSignature "Malformed timestamp" with no date_signed', async () => {
    for (const [name, oracle] of oracles()) {
      const token = await oracle.itsSign({ ...SECRET_KEY, timed: false }, 'value.____________');
      assert.equal(new Signer(signetOptions(SECRET_KEY)).sign('value.____________'), token);
      const python = await oracle.itsUnsign(timed, token, { now: TS });
      assert.ok(!python.ok && python.message.includes('Malformed') && python.date_signed === null, `${name}: ${JSON.stringify(python)}`);
      assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token), name);
    }
  });

  it('test_malformed_future_timestamp: the test\'s own token, a wrong signature over a timestamp past year 9999, is "Malformed timestamp"', async () => {
    // Signed in the test with itsdangerous's default derivation, so its signature is wrong
    // under "hmac": the case of a bad signature whose timestamp Python cannot hold.
    const token = 'value.TgPVoaGhoQ.AGBfQ6G6cr07byTRt0zAdPljHOY';
    for (const [name, oracle] of oracles()) {
      const python = await oracle.itsUnsign(timed, token, { now: TS });
      assert.ok(!python.ok && python.message.includes('Malformed') && python.date_signed === null, `${name}: ${JSON.stringify(python)}`);
      assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token), name);
    }
  });

  it('test_future_age: a token signed in 2011 read in 1971 with max_age=10 is SignatureExpired, with its date_signed', async () => {
    const in1971 = 44_496_000; // 1971-05-31T00:00:00Z
    const token = signetSign('TimestampSigner', SECRET_KEY, 'value');
    for (const [name, oracle] of oracles()) {
      const python = await oracle.itsUnsign(timed, token, { now: in1971, maxAge: 10 });
      assert.ok(!python.ok && python.error === 'SignatureExpired' && python.date_signed === TS, `${name}: ${JSON.stringify(python)}`);
      assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token, in1971, 10), name);
    }
  });

  it('test_sig_error_date_signed: a changed value is BadTimeSignature that still says when the token was signed', async () => {
    const token = signetSign('TimestampSigner', SECRET_KEY, 'my string').replace('my', 'other');
    for (const [name, oracle] of oracles()) {
      const python = await oracle.itsUnsign(timed, token, { now: TS });
      assert.ok(!python.ok && python.error === 'BadTimeSignature' && python.date_signed === TS, `${name}: ${JSON.stringify(python)}`);
      assertSameVerdict(python, signetUnsign('TimestampSigner', SECRET_KEY, token), name);
    }
  });
});

// ---------------------------------------------------------------------------
// The serializer: URLSafeTimedSerializer as Flask's session builds it (TestURLSafeTimedSerializer
// runs TestSerializer, TestTimedSerializer and TestURLSafeSerializer's cases on it).

const SESSION_KEYS = { secretKeys: ['secret-key'] } as const;

/** signet's layers as Flask's serializer: tagged JSON, the zlib step, the timestamp signer. */
function signetDumps(value: PyValue, ts = TS, salt = SESSION_SALT): string {
  return new TimestampSigner({ secret: 'secret-key', salt, clock: () => ts * 1000 }).sign(encodePayload(dumpTaggedJson(value)));
}

function signetLoads(token: string, now = TS, maxAge?: number, salt = SESSION_SALT): Result<{ readonly value: unknown; readonly timestamp: number }> {
  const unsigned = new TimestampSigner({ secret: 'secret-key', salt, clock: () => now * 1000 }).unsign(token, maxAge);
  if (!unsigned.ok) return unsigned;
  const loaded = decodePayload(unsigned.value.value);
  return loaded.ok ? { ok: true, value: { value: loaded.value, timestamp: unsigned.value.timestamp } } : loaded;
}

/** The same as Flask's serializer: the same value and timestamp, or the same exception. */
function assertSameLoad(python: Awaited<ReturnType<FlaskOracle['serLoads']>>, ours: ReturnType<typeof signetLoads>, what: string): void {
  if (python.ok) {
    assert.ok(ours.ok, `${what}: Flask's serializer loads it; signet says ${ours.ok ? '' : `${ours.error.name}: ${ours.error.message}`}`);
    assert.deepEqual(toTransport(ours.value.value as PyValue), python.value, `${what}: the value`);
    assert.equal(ours.value.timestamp, python.timestamp, `${what}: the timestamp`);
    return;
  }
  assert.ok(!ours.ok, `${what}: Flask's serializer raises ${python.error}; signet loads it`);
  assert.equal(ours.error.name, python.error, `${what}: the class (${python.message} / ${ours.error.message})`);
}

const T = {
  none: { none: null } as Transport,
  bool: (b: boolean): Transport => ({ bool: b }),
  str: (s: string): Transport => ({ str: s }),
  int: (n: number): Transport => ({ int: String(n) }),
  list: (...items: Transport[]): Transport => ({ list: items }),
  dict: (...entries: [string, Transport][]): Transport => ({ dict: entries }),
};

/** TestSerializer's values, and TestURLSafeSerializer's "a" * 1000 (the zlib case). */
const VALUES: readonly (readonly [string, Transport])[] = [
  ['None', T.none],
  ['True', T.bool(true)],
  ['"str"', T.str('str')],
  ['"text"', T.str('text')],
  ['[1, 2, 3]', T.list(T.int(1), T.int(2), T.int(3))],
  ['{"id": 42}', T.dict(['id', T.int(42)])],
  ['"a" * 1000', T.str('a'.repeat(1000))],
];
/** The `value` fixture of TestURLSafeSerializer: {"id": 42}, and "a" * 1000 (zlib). */
const FIXTURES = VALUES.filter(([label]) => label === '{"id": 42}' || label === '"a" * 1000');

describe('itsdangerous test_serializer.py, test_timed.py and test_url_safe.py, on URLSafeTimedSerializer with Flask\'s settings', () => {
  for (const [label, value] of VALUES) {
    it(`test_serializer[${label}]: the token Flask's serializer writes, byte for byte, and each side loads the other's to the same value`, async () => {
      for (const [name, oracle] of oracles()) {
        const theirs = await oracle.serDumps(SESSION_KEYS, value, TS);
        const ours = signetDumps(fromTransport(value));
        assert.equal(ours, theirs, name);
        assertSameLoad(await oracle.serLoads(SESSION_KEYS, ours, TS), signetLoads(theirs), name);
      }
    });
  }

  const transforms: readonly (readonly [string, (token: string) => string])[] = [
    ['s.upper()', (s) => s.toUpperCase()],
    ['s + "a"', (s) => s + 'a'],
    ['"a" + s[1:]', (s) => 'a' + s.slice(1)],
    ['s.replace(".", "")', (s) => s.replaceAll('.', '')],
  ];
  for (const [label, value] of FIXTURES) {
    it(`test_changed_value[${label}]: every changed token is refused with the exception Flask's serializer raises`, async () => {
      const token = signetDumps(fromTransport(value));
      for (const [name, oracle] of oracles()) {
        for (const [how, transform] of transforms) {
          const changed = transform(token);
          const python = await oracle.serLoads(SESSION_KEYS, changed, TS);
          assert.ok(!python.ok && python.bad_data, `${name}, ${how}: ${JSON.stringify(python)}`);
          assertSameLoad(python, signetLoads(changed), `${name}, ${how}`);
        }
      }
    });

    it(`test_bad_signature_exception[${label}]: a cut signature is BadSignature whose payload still loads to the value`, async () => {
      const bad = signetDumps(fromTransport(value)).slice(0, -1);
      for (const [name, oracle] of oracles()) {
        const python = await oracle.serLoads(SESSION_KEYS, bad, TS);
        assert.ok(!python.ok && python.payload_hex !== undefined, `${name}: ${JSON.stringify(python)}`);
        const ours = signetLoads(bad);
        assert.ok(!ours.ok);
        assertSameError(python, ours.error, name);
        const payload = decodePayload(hexText(python.payload_hex));
        assert.ok(payload.ok && JSON.stringify(toTransport(payload.value as PyValue)) === JSON.stringify(value), 'load_payload(exc.payload) == value');
      }
    });

    it(`test_bad_payload_exception[${label}]: a validly signed payload cut by one character is BadPayload, with the error underneath`, async () => {
      const original = signetDumps(fromTransport(value));
      const cut = original.slice(0, original.lastIndexOf('.')).slice(0, -1);
      for (const [name, oracle] of oracles()) {
        // serializer.make_signer().sign(payload[:-1]): the timestamp signer, at the frozen second.
        const bad = await oracle.itsSign({ ...SESSION_KEYS, salt: SESSION_SALT, timed: true, ts: TS }, cut);
        assert.equal(signetSign('TimestampSigner', { ...SESSION_KEYS, salt: SESSION_SALT }, cut), bad);
        const python = await oracle.serLoads(SESSION_KEYS, bad, TS);
        assert.ok(!python.ok && python.error === 'BadPayload' && typeof python.original_error === 'string', `${name}: ${JSON.stringify(python)}`);
        const ours = signetLoads(bad);
        assertSameLoad(python, ours, name);
        // The same message. (Python's original_error here is binascii's; signet's base64
        // reader returns no exception, so its BadPayload has no `cause` for this step.)
        assert.ok(!ours.ok);
        assertSameError(python, ours.error, name);
      }
    });

    it(`test_max_age (TestTimedSerializer)[${label}]: valid at 1 and 10 seconds, SignatureExpired at 11 with date_signed and a payload that loads to the value`, async () => {
      const token = signetDumps(fromTransport(value));
      for (const [name, oracle] of oracles()) {
        for (const age of [1, 10, 11]) {
          const python = await oracle.serLoads(SESSION_KEYS, token, TS + age, 10);
          assert.equal(python.ok, age <= 10, `${name} at ${age} s`);
          const ours = signetLoads(token, TS + age, 10);
          assertSameLoad(python, ours, `${name} at ${age} s`);
          if (!python.ok && !ours.ok) {
            assertSameError(python, ours.error, `${name} at ${age} s`);
            const payload = decodePayload(hexText(python.payload_hex ?? ''));
            assert.ok(payload.ok && JSON.stringify(toTransport(payload.value as PyValue)) === JSON.stringify(value));
          }
        }
      }
    });

    it(`test_return_payload (TestTimedSerializer)[${label}]: loads gives the value and the second it was signed`, async () => {
      for (const [name, oracle] of oracles()) {
        const token = await oracle.serDumps(SESSION_KEYS, value, TS);
        const python = await oracle.serLoads(SESSION_KEYS, token, TS + 5);
        assert.ok(python.ok && python.timestamp === TS, name);
        assertSameLoad(python, signetLoads(token, TS + 5), name);
      }
    });
  }

  it('test_alt_salt: a token dumped with salt "other" is refused under the default salt and loads under "other", in both; FlaskSessionCodec takes the salt too', async () => {
    const value = T.dict(['id', T.int(42)]);
    for (const [name, oracle] of oracles()) {
      const theirs = await oracle.serDumps({ ...SESSION_KEYS, salt: 'other' }, value, TS);
      assert.equal(signetDumps(fromTransport(value), TS, 'other'), theirs, name);
      assertSameLoad(await oracle.serLoads(SESSION_KEYS, theirs, TS), signetLoads(theirs), `${name}, the default salt`);
      assertSameLoad(await oracle.serLoads({ ...SESSION_KEYS, salt: 'other' }, theirs, TS), signetLoads(theirs, TS, undefined, 'other'), `${name}, salt "other"`);
      const codec = new FlaskSessionCodec({ secret: 'secret-key', salt: 'other', clock: () => TS * 1000 });
      assert.equal(codec.encode({ id: 42 }, TS), theirs);
      assert.deepEqual(toTransport(codec.decodeOrThrow(theirs).data), value);
    }
  });
});

// ---------------------------------------------------------------------------

describe('itsdangerous test_encoding.py: the timestamp and base64 helpers the signers use', () => {
  it('test_int_bytes: second 0 is the empty segment and 192 is "\\xc0", as TimestampSigner writes them, and both read back', async () => {
    for (const [name, oracle] of oracles()) {
      for (const ts of [0, 192]) {
        const token = await oracle.itsSign({ ...SECRET_KEY, timed: true, ts }, 'value');
        const segment = token.split('.')[1] ?? '';
        assert.equal(encodeTimestamp(ts), segment, `${name}: second ${ts}`);
        assert.equal(decodeTimestamp(segment), ts);
      }
    }
    assert.equal(encodeTimestamp(192), encodeBase64Url(Uint8Array.of(0xc0)));
  });

  it('test_int_bytes[18446744073709551615]: eight 0xff bytes read as a second past year 9999, which signet never writes', () => {
    // Python's datetime cannot hold it: itsdangerous fails on it with ValueError (see
    // flask-verdicts.oracle.test.ts: "a validly signed timestamp after year 9999").
    const segment = encodeBase64Url(new Uint8Array(8).fill(0xff));
    assert.ok((decodeTimestamp(segment) ?? 0) > 253_402_300_799);
    assert.throws(() => encodeTimestamp(2 ** 64 - 1), RangeError);
  });

  it('test_base64: signet\'s URL-safe base64 of "無限" and b"infinite" is what itsdangerous base64_decode reads back to the same bytes', async () => {
    for (const text of ['無限', 'infinite']) {
      const bytes = Buffer.from(text, 'utf8');
      const encoded = encodeBase64Url(bytes);
      const [decoded] = await its21.base64DecodeMany([Buffer.from(encoded, 'latin1')]);
      assert.deepEqual(decoded, Uint8Array.from(bytes), text);
      assert.deepEqual(Uint8Array.from(decodeBase64Lenient(encoded, 'url-safe', true) ?? []), Uint8Array.from(bytes));
    }
  });

  it('test_base64_bad: "12345" is refused by itsdangerous base64_decode (BadData) and by signet', async () => {
    const [decoded] = await its21.base64DecodeMany([Buffer.from('12345', 'latin1')]);
    assert.equal(decoded, undefined);
    assert.equal(decodeBase64Lenient('12345', 'url-safe', true), undefined);
  });
});
