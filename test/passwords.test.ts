/**
 * Password hashing for the signup and login lessons (apps/lesson/src/server/passwords.ts):
 * scrypt through node:crypto, stored as `scrypt$N=…,r=…,p=…$<salt>$<hash>`. Every test
 * but one hashes at N=2^10 for speed; the one that proves the defaults hashes once at
 * N=2^17 (about 0.3 s). Python's hashlib.scrypt (Debian's /usr/bin/python3, on OpenSSL)
 * recomputes one hash from the stored string alone, and makes one this module verifies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkPasswordRules,
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  KEY_BYTES,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  SALT_BYTES,
  scryptMaxmem,
  verifyAgainstNothing,
  verifyPassword,
  type ScryptParams,
} from 'signet-lesson/server/passwords';

const PYTHON = '/usr/bin/python3';
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const fast = { params: FAST };
/** The stored format, written out again here rather than taken from the module. */
const FORMAT = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;
const fixedSalt = (byte: number) => (size: number): Buffer => Buffer.alloc(size, byte);

function pieces(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } {
  const match = FORMAT.exec(stored);
  assert.ok(match, `${stored} is in the stored format`);
  const [, N = '', r = '', p = '', salt = '', hash = ''] = match;
  return { N: Number(N), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

describe('Password hashing', () => {
  it('hashes with OWASP\'s parameters by default: N=2^17, r=8, p=1, a 16-byte salt and a 32-byte key', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const { N, r, p, salt, hash } = pieces(stored);
    assert.deepEqual({ N, r, p }, { N: 131072, r: 8, p: 1 });
    assert.deepEqual(DEFAULT_SCRYPT_PARAMS, { N: 2 ** 17, r: 8, p: 1 });
    assert.equal(salt.length, 16);
    assert.equal(hash.length, 32);
    assert.deepEqual([SALT_BYTES, KEY_BYTES], [16, 32]);
  });

  it('gives scrypt exactly the memory OpenSSL asks for, 128·r·(N+p+2) bytes: more than Node\'s default 32 MiB at the defaults', () => {
    assert.equal(scryptMaxmem(DEFAULT_SCRYPT_PARAMS), 128 * 8 * (2 ** 17 + 1 + 2));
    assert.ok(scryptMaxmem(DEFAULT_SCRYPT_PARAMS) > 32 * 1024 * 1024);
    for (const params of [FAST, { N: 2 ** 10, r: 8, p: 3 }, { N: 16, r: 2, p: 5 }]) {
      const maxmem = scryptMaxmem(params);
      assert.equal(scryptSync('pw', 'salt', 32, { ...params, maxmem }).length, 32, `${JSON.stringify(params)} runs with maxmem ${maxmem}`);
      assert.throws(() => scryptSync('pw', 'salt', 32, { ...params, maxmem: maxmem - 1 }), { code: 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS' }, 'and not with a byte less');
    }
  });

  it('verifies the password it hashed, and refuses any other', async () => {
    const stored = await hashPassword('hunter2hunter2', fast);
    assert.deepEqual(await verifyPassword('hunter2hunter2', stored, fast), { ok: true, needsRehash: false });
    for (const wrong of ['hunter2hunter3', 'Hunter2hunter2', 'hunter2hunter2 ', 'hunter2hunter', '']) {
      assert.deepEqual(await verifyPassword(wrong, stored, fast), { ok: false, needsRehash: false }, JSON.stringify(wrong));
    }
  });

  it('stores scrypt$N=<N>,r=<r>,p=<p>$<salt>$<hash>, the salt and hash in padded standard base64', async () => {
    const stored = await hashPassword('a password', { params: FAST, randomBytes: fixedSalt(0xfb) });
    const salt = Buffer.alloc(16, 0xfb);
    const hash = scryptSync('a password', salt, 32, { ...FAST, maxmem: scryptMaxmem(FAST) });
    assert.equal(stored, `scrypt$N=1024,r=8,p=1$${salt.toString('base64')}$${hash.toString('base64')}`);
    assert.equal(stored, `scrypt$N=1024,r=8,p=1$+/v7+/v7+/v7+/v7+/v7+w==$${hash.toString('base64')}`, 'the + and / alphabet, with padding');
    assert.equal(stored.split('$')[2]?.length, 24);
    assert.equal(stored.split('$')[3]?.length, 44);
  });

  it('salts every hash afresh: the same password twice gives different salts and hashes, both verifying', async () => {
    const [one, two] = await Promise.all([hashPassword('same password', fast), hashPassword('same password', fast)]);
    assert.notDeepEqual(pieces(one).salt, pieces(two).salt);
    assert.notDeepEqual(pieces(one).hash, pieces(two).hash);
    for (const stored of [one, two]) assert.equal((await verifyPassword('same password', stored, fast)).ok, true);
  });

  it('says a hash needs rehashing when its parameters differ from the current ones, and still verifies it', async () => {
    const stored = await hashPassword('an older password', fast);
    assert.deepEqual(await verifyPassword('an older password', stored, { params: { N: 2 ** 11, r: 8, p: 1 } }), { ok: true, needsRehash: true });
    assert.deepEqual(await verifyPassword('an older password', stored, { params: { N: 2 ** 10, r: 4, p: 1 } }), { ok: true, needsRehash: true });
    assert.deepEqual(await verifyPassword('an older password', stored, { params: { N: 2 ** 10, r: 8, p: 2 } }), { ok: true, needsRehash: true });
    assert.deepEqual(await verifyPassword('an older password', stored, fast), { ok: true, needsRehash: false });
    assert.deepEqual(await verifyPassword('not the password', stored, { params: { N: 2 ** 11, r: 8, p: 1 } }), { ok: false, needsRehash: true });
    // The default current parameters are N=2^17 (no 0.3 s scrypt runs: it uses the stored N).
    assert.deepEqual(await verifyPassword('an older password', stored), { ok: true, needsRehash: true });
  });

  it('refuses a malformed stored string as { ok: false, needsRehash: true }, never throwing, and never running scrypt on absurd parameters', async () => {
    const good = await hashPassword('the password', { params: FAST, randomBytes: fixedSalt(0xfb) });
    const [, params = '', salt = '', hash = ''] = good.split('$');
    const salt15 = Buffer.alloc(15, 0xfb).toString('base64');
    const hash31 = Buffer.from(hash, 'base64').subarray(0, 31).toString('base64');
    const hash64 = Buffer.concat([Buffer.from(hash, 'base64'), Buffer.from(hash, 'base64')]).toString('base64');
    const malformed: ReadonlyArray<readonly [string, string]> = [
      ['empty', ''],
      ['only the prefix', 'scrypt$'],
      ['another algorithm', good.replace(/^scrypt/, 'argon2id')],
      ['an upper-case prefix', good.replace(/^scrypt/, 'SCRYPT')],
      ['a leading $ (PHC style)', `$${good}`],
      ['a trailing newline', `${good}\n`],
      ['a space before it', ` ${good}`],
      ['a missing part', `scrypt$${params}$${salt}`],
      ['an extra part', `${good}$${hash}`],
      ['parameters in another order', `scrypt$r=8,N=1024,p=1$${salt}$${hash}`],
      ['a missing parameter', `scrypt$N=1024,r=8$${salt}$${hash}`],
      ['a leading zero', `scrypt$N=01024,r=8,p=1$${salt}$${hash}`],
      ['N not a power of two', `scrypt$N=1000,r=8,p=1$${salt}$${hash}`],
      ['N=1', `scrypt$N=1,r=8,p=1$${salt}$${hash}`],
      ['r=0', `scrypt$N=1024,r=0,p=1$${salt}$${hash}`],
      ['p=0', `scrypt$N=1024,r=8,p=0$${salt}$${hash}`],
      ['a negative r', `scrypt$N=1024,r=-8,p=1$${salt}$${hash}`],
      ['a fractional p', `scrypt$N=1024,r=8,p=1.5$${salt}$${hash}`],
      ['N=2^40', `scrypt$N=${2 ** 40},r=8,p=1$${salt}$${hash}`],
      ['N=2^31', `scrypt$N=${2 ** 31},r=1,p=1$${salt}$${hash}`],
      ['N=2^20 at r=8 (1 GiB)', `scrypt$N=${2 ** 20},r=8,p=1$${salt}$${hash}`],
      ['p=2^20 (days of work)', `scrypt$N=1024,r=8,p=${2 ** 20}$${salt}$${hash}`],
      ['a 30-digit N', `scrypt$N=${'9'.repeat(30)},r=8,p=1$${salt}$${hash}`],
      ['bad base64 in the salt', `scrypt$${params}$${'!'.repeat(22)}==$${hash}`],
      ['bad base64 in the hash', `scrypt$${params}$${salt}$${hash.slice(0, -2)}*=`],
      ['URL-safe base64', `scrypt$${params}$${salt.replace(/\+|\//g, '-')}$${hash.replace(/\+/g, '-').replace(/\//g, '_')}`],
      ['unpadded base64', `scrypt$${params}$${salt.replace(/=+$/, '')}$${hash.replace(/=+$/, '')}`],
      ['non-canonical base64 (stray low bits)', `scrypt$${params}$${salt.slice(0, 21)}x==$${hash}`],
      ['a 15-byte salt', `scrypt$${params}$${salt15}$${hash}`],
      ['a 31-byte hash', `scrypt$${params}$${salt}$${hash31}`],
      ['a 64-byte hash', `scrypt$${params}$${salt}$${hash64}`],
      ['an empty hash', `scrypt$${params}$${salt}$`],
      ['a million characters', `scrypt$${params}$${salt}$${'A'.repeat(1_000_000)}`],
    ];
    assert.notEqual(salt.replace(/\+|\//g, '-'), salt, 'the fixed salt has + or / to replace');
    for (const [what, stored] of malformed) {
      assert.deepEqual(await verifyPassword('the password', stored, fast), { ok: false, needsRehash: true }, what);
    }
    // A database column may hold null; the type says string, the value need not.
    const notStrings: readonly unknown[] = [null, undefined, 42, {}];
    for (const notAString of notStrings) {
      assert.deepEqual(await verifyPassword('the password', notAString as string, fast), { ok: false, needsRehash: true }, JSON.stringify(notAString));
    }
    assert.deepEqual(await verifyPassword('the password', good, fast), { ok: true, needsRehash: false }, 'the string they were made from is fine');
  });

  it('hashes the NFC form: "é" as one code point or as e and a combining accent is the same password, NFKC look-alikes are not', async () => {
    const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(decomposed, composed);
    const stored = await hashPassword(decomposed, fast);
    assert.deepEqual(await verifyPassword(composed, stored, fast), { ok: true, needsRehash: false });
    assert.deepEqual(await verifyPassword(decomposed, stored, fast), { ok: true, needsRehash: false });
    assert.equal((await verifyPassword('cafe creme brulee', stored, fast)).ok, false, 'accents count');

    const ligature = await hashPassword('\ufb01ve \uff21\uff22\uff23 password', fast); // "ﬁve ＡＢＣ password"
    assert.equal((await verifyPassword('five ABC password', ligature, fast)).ok, false, 'NFKC would make these equal; NFC keeps them apart');
    assert.equal((await verifyPassword('\ufb01ve \uff21\uff22\uff23 password', ligature, fast)).ok, true);

    const { hash, salt } = pieces(stored);
    assert.deepEqual(hash, scryptSync(Buffer.from(composed, 'utf8'), salt, 32, { ...FAST, maxmem: scryptMaxmem(FAST) }), 'the UTF-8 of the NFC form is hashed');
  });

  it('hashes emoji and other scripts, and refuses a lone surrogate rather than hashing it as U+FFFD', async () => {
    for (const password of ['пароль-пароль', '密码密码密码密码', '🔑🐈‍⬛🏳️‍🌈 and more', 'مرحبا بالعالم']) {
      assert.equal((await verifyPassword(password, await hashPassword(password, fast), fast)).ok, true, password);
    }
    await assert.rejects(hashPassword('broken \ud83d password', fast), (error: unknown) => error instanceof TypeError && /^password is invalid: /.test(error.message));
    const replacement = await hashPassword('broken \ufffd password', fast);
    assert.deepEqual(await verifyPassword('broken \ud83d password', replacement, fast), { ok: false, needsRehash: false }, 'a lone surrogate does not match its U+FFFD replacement');
    assert.equal((await verifyPassword('broken \ufffd password', replacement, fast)).ok, true);
  });

  it('agrees with Python\'s hashlib.scrypt both ways: Python recomputes a stored hash from the string alone, and this module verifies one Python made', async () => {
    const password = 'Gr\u00fc\u00dfe, J\u00fcrgen! \u{1F510}'.normalize('NFD');
    const stored = await hashPassword(password, fast);
    const script = `
import base64, hashlib, json, re, sys, unicodedata
given = json.load(sys.stdin)
def b64(s): return base64.b64decode(s, validate=True)
algorithm, params, salt, hashed = given["stored"].split("$")
n, r, p = (int(v) for v in re.fullmatch(r"N=(\\d+),r=(\\d+),p=(\\d+)", params).groups())
password = unicodedata.normalize("NFC", given["password"]).encode("utf-8")
again = hashlib.scrypt(password, salt=b64(salt), n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=len(b64(hashed)))
own_salt = bytes(range(16))
own = hashlib.scrypt(password, salt=own_salt, n=2048, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
print(json.dumps({"algorithm": algorithm, "n": n, "saltBytes": len(b64(salt)), "same": again == b64(hashed),
                  "own": "scrypt$N=2048,r=8,p=1$" + base64.b64encode(own_salt).decode() + "$" + base64.b64encode(own).decode()}))
`;
    const ran = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ stored, password }), encoding: 'utf8', timeout: 20_000 });
    assert.equal(ran.status, 0, ran.stderr);
    const python = JSON.parse(ran.stdout) as { algorithm: string; n: number; saltBytes: number; same: boolean; own: string };
    assert.deepEqual({ algorithm: python.algorithm, n: python.n, saltBytes: python.saltBytes, same: python.same }, { algorithm: 'scrypt', n: 1024, saltBytes: 16, same: true });
    assert.deepEqual(await verifyPassword(password.normalize('NFC'), python.own, fast), { ok: true, needsRehash: true }, python.own);
    assert.equal((await verifyPassword('Gr\u00fc\u00dfe, Jurgen!', python.own, fast)).ok, false);
  });

  it('runs scrypt off the event loop: timers fire while a hash is being computed', async () => {
    let ticks = 0;
    const timer = setInterval(() => { ticks += 1; }, 1);
    try {
      await hashPassword('a slower hash', { params: { N: 2 ** 14, r: 8, p: 1 } });
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 0, 'the event loop turned during the hash');
  });

  // That it costs the same time as a real check is the bench's to measure (docs/performance.md), not a test's.
  it('runs a verification at the current parameters for an unknown user, and says no', async () => {
    await assert.rejects(verifyAgainstNothing('a guess', { params: { N: 3, r: 8, p: 1 } }), /^TypeError: params is invalid/, 'it takes the parameters a real check takes');
    for (const password of ['', 'the known user', 'x'.repeat(200)]) {
      assert.deepEqual(await verifyAgainstNothing(password, fast), { ok: false, needsRehash: false }, password);
    }
  });

  it('throws a TypeError naming the option for bad parameters or a bad randomBytes, before any scrypt', async () => {
    const bad: readonly unknown[] = [{ N: 1000, r: 8, p: 1 }, { N: 1, r: 8, p: 1 }, { N: 2 ** 10, r: 0, p: 1 }, { N: 2 ** 10, r: 8, p: 1.5 },
      { N: 2 ** 20, r: 8, p: 1 }, { N: 2 ** 40, r: 8, p: 1 }, { N: 2 ** 17, r: 8, p: 64 }, { N: '1024', r: 8, p: 1 }, { r: 8, p: 1 }, null];
    for (const params of bad) {
      const options = { params: params as ScryptParams };
      const invalid = (error: unknown): boolean => error instanceof TypeError
        && error.message.startsWith(`params is invalid: ${JSON.stringify(params)} (give N a power of two`);
      await assert.rejects(hashPassword('a password', options), invalid, JSON.stringify(params));
      await assert.rejects(verifyPassword('a password', 'scrypt$', options), invalid);
      await assert.rejects(verifyAgainstNothing('a password', options), invalid);
    }
    // The largest allowed: N=2^18 at r=8 (twice the default's memory) and 8 times its work.
    for (const params of [{ N: 2 ** 18, r: 8, p: 1 }, { N: 2 ** 17, r: 8, p: 8 }]) {
      assert.deepEqual(await verifyPassword('a password', 'not a hash', { params }), { ok: false, needsRehash: true });
    }
    await assert.rejects(hashPassword('a password', { params: FAST, randomBytes: (size) => Buffer.alloc(size - 1) }),
      { name: 'TypeError', message: 'randomBytes is invalid: it returned 15 bytes for 16 (give a function returning as many random bytes as asked)' });
  });
});

describe('Password rules for signup', () => {
  it('has limits of 8 and 128 characters', () => {
    assert.deepEqual([MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH], [8, 128]);
  });

  it('accepts a password of 8 to 128 characters typed twice the same', () => {
    for (const password of ['12345678', 'x'.repeat(128), 'correct horse battery staple']) {
      assert.deepEqual(checkPasswordRules(password, password), [], `${password.length} characters`);
    }
  });

  it('says a password is too short, too long, or typed differently, in words a learner understands', () => {
    assert.deepEqual(checkPasswordRules('1234567', '1234567'), ['Your password is too short: it has 7 characters, and it needs at least 8.']);
    assert.deepEqual(checkPasswordRules('a', 'a'), ['Your password is too short: it has 1 character, and it needs at least 8.']);
    assert.deepEqual(checkPasswordRules('', ''), ['Your password is too short: it has 0 characters, and it needs at least 8.']);
    assert.deepEqual(checkPasswordRules('x'.repeat(129), 'x'.repeat(129)),
      ['Your password is too long: it has 129 characters, and at most 128 are allowed. Nothing is cut off: please choose a shorter one.']);
    assert.deepEqual(checkPasswordRules('correct horse', 'correct h0rse'), ['The two passwords do not match: type the same password in both fields.']);
    assert.deepEqual(checkPasswordRules('short', 'shirt'), [
      'Your password is too short: it has 5 characters, and it needs at least 8.',
      'The two passwords do not match: type the same password in both fields.',
    ]);
  });

  it('counts characters, not UTF-16 units or bytes: an emoji is one, and "é" is one however it was typed', () => {
    assert.deepEqual(checkPasswordRules('🔑'.repeat(8), '🔑'.repeat(8)), [], '8 emoji are 16 UTF-16 units and 32 bytes, and 8 characters');
    assert.deepEqual(checkPasswordRules('🔑'.repeat(7), '🔑'.repeat(7)), ['Your password is too short: it has 7 characters, and it needs at least 8.']);
    assert.deepEqual(checkPasswordRules('🔑'.repeat(128), '🔑'.repeat(128)), []);
    assert.equal(checkPasswordRules('🔑'.repeat(129), '🔑'.repeat(129))[0], 'Your password is too long: it has 129 characters, and at most 128 are allowed. Nothing is cut off: please choose a shorter one.');
    const decomposed = '\u00e9'.repeat(128).normalize('NFD');
    assert.equal(decomposed.length, 256);
    assert.deepEqual(checkPasswordRules(decomposed, '\u00e9'.repeat(128)), [], '128 characters however typed, and the same password in both fields');
    assert.deepEqual(checkPasswordRules('e\u0301'.repeat(4), 'e\u0301'.repeat(4)), ['Your password is too short: it has 4 characters, and it needs at least 8.']);
  });

  it('says a password with a lone surrogate (half an emoji) cannot be stored', () => {
    const broken = 'a broken \ud83d password';
    assert.deepEqual(checkPasswordRules(broken, broken), ['Your password holds a broken character (half of an emoji or other symbol) that cannot be stored: please type it again.']);
  });
});
