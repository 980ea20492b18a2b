/**
 * Password hashing for the signup and login lessons: scrypt (node:crypto, async, on
 * libuv's thread pool, so the event loop never waits) at OWASP's parameters N=2^17,
 * r=8, p=1, a 16-byte random salt and a 32-byte key.
 *
 * The stored string carries its parameters, so they can change later and older
 * hashes still verify (and say they need rehashing):
 *
 *     scrypt$N=131072,r=8,p=1$<salt>$<hash>
 *
 * `<salt>` is the 16-byte salt and `<hash>` the 32-byte scrypt output, both standard
 * base64 with padding (RFC 4648 section 4, what Buffer and Python's base64.b64encode
 * write: 24 and 44 characters). N, r and p are decimal without leading zeros. Nothing
 * else is accepted: a string that differs from this shape in any way (another prefix,
 * URL-safe or unpadded base64, other lengths, parameters out of bounds) is malformed,
 * and a malformed string verifies no password.
 *
 * The password hashed is the UTF-8 of its NFC form (Unicode canonical composition, as
 * RFC 8265's OpaqueString profile does): "é" typed as one code point (U+00E9) or as
 * "e" and a combining accent (U+0065 U+0301, as some keyboards, macOS file names and
 * copy-paste produce) look the same and are the same password. Compatibility forms
 * (NFKC: "ﬁ" and "fi", full-width letters) are kept apart, as OpaqueString keeps them.
 * A string holding a lone UTF-16 surrogate has no UTF-8 form and is refused, rather
 * than hashed as U+FFFD like every other such string.
 */
import { randomBytes as cryptoRandomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/** scrypt's cost parameters: N (a power of two) the CPU and memory cost, r the block size, p the parallelism. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's Password Storage Cheat Sheet: N=2^17, r=8, p=1 (128 MiB, about 0.3 s here). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

export const SALT_BYTES = 16;
export const KEY_BYTES = 32;

/**
 * Signup's limits, in characters: Unicode code points of the NFC form (what is hashed),
 * not UTF-16 units (JavaScript's .length counts an emoji as 2) nor UTF-8 bytes. Not
 * graphemes either: those depend on the Unicode version of the runtime, and a ZWJ
 * emoji such as 🐈‍⬛ counts as its 3 code points. 128 code points are at most 512
 * bytes of UTF-8, and nothing is ever cut off: a password too long is refused.
 */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * Bounds on any parameters, given or stored: N·r at most 2^21 (256 MiB of scrypt's
 * memory, twice the default's, so N=2^18 at r=8 is still allowed) and N·r·p at most
 * 2^23 (8 times the default's work, 2-3 s). A stored string is data: one saying N=2^40
 * must be refused before scrypt is asked to allocate 128 TiB or run for days, and
 * hashPassword refuses what verifyPassword would.
 */
const MAX_N_R = 2 ** 21;
const MAX_N_R_P = 2 ** 23;

/**
 * The `maxmem` scrypt needs for these parameters. OpenSSL refuses to run unless
 * maxmem covers its V array, 128·r·(N+2) bytes, and its B array, 128·r·p bytes; Node's
 * default maxmem (32 MiB) is below the 128 MiB of V at N=2^17, r=8, so it must be
 * raised: to exactly what is needed, since maxmem is a ceiling, not an allocation.
 */
export function scryptMaxmem(params: ScryptParams): number {
  return 128 * params.r * (params.N + params.p + 2);
}

export interface HashOptions {
  /** The parameters to hash with (and, for verification, the current ones); DEFAULT_SCRYPT_PARAMS if not given. */
  readonly params?: ScryptParams;
  /** Where the salt comes from: crypto.randomBytes if not given (tests give fixed bytes). */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export interface Verification {
  /** Whether the password is the one hashed. */
  readonly ok: boolean;
  /**
   * Whether the stored string should be replaced by a fresh hashPassword: its parameters
   * differ from the current ones, or it is malformed. Act on it only when ok is true (a
   * login that just succeeded has the password in hand).
   */
  readonly needsRehash: boolean;
}

const scryptAsync = promisify(scrypt) as (password: Uint8Array, salt: Uint8Array, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

// 2^30 bounds N before the bitwise test, which works on 32-bit integers.
const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n >= 2 && n <= 2 ** 30 && (n & (n - 1)) === 0;

function withinBounds(params: ScryptParams): boolean {
  const { N, r, p } = params;
  return isPowerOfTwo(N) && Number.isSafeInteger(r) && r >= 1 && Number.isSafeInteger(p) && p >= 1
    && N * r <= MAX_N_R && N * r * p <= MAX_N_R_P;
}

function checkedParams(params: ScryptParams | undefined): ScryptParams {
  if (params === undefined) return DEFAULT_SCRYPT_PARAMS;
  // A caller's object may be anything at run time (JSON, null): bounds are checked on what it holds.
  const given: unknown = params;
  const { N, r, p } = (typeof given === 'object' && given !== null ? given : {}) as Partial<Record<'N' | 'r' | 'p', unknown>>;
  if (typeof N === 'number' && typeof r === 'number' && typeof p === 'number' && withinBounds({ N, r, p })) return { N, r, p };
  throw new TypeError(`params is invalid: ${JSON.stringify(params)} (give N a power of two of at least 2, whole r and p of at least 1, `
    + `N·r at most 2^21 (256 MiB) and N·r·p at most 2^23; the default is { N: 131072, r: 8, p: 1 })`);
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The bytes hashed for a password: the UTF-8 of its NFC form; undefined when it holds a lone surrogate. */
function passwordBytes(password: string): Buffer | undefined {
  const nfc = password.normalize('NFC');
  return LONE_SURROGATE.test(nfc) ? undefined : Buffer.from(nfc, 'utf8');
}

const format = (params: ScryptParams, salt: Uint8Array, hash: Uint8Array): string =>
  `scrypt$N=${params.N},r=${params.r},p=${params.p}$${Buffer.from(salt).toString('base64')}$${Buffer.from(hash).toString('base64')}`;

/** Hashes a password into the stored format above, with a fresh salt. */
export async function hashPassword(password: string, options: HashOptions = {}): Promise<string> {
  const params = checkedParams(options.params);
  const bytes = passwordBytes(password);
  if (bytes === undefined) throw new TypeError('password is invalid: it holds a lone UTF-16 surrogate (give a well-formed string: checkPasswordRules reports this to the learner)');
  const salt = (options.randomBytes ?? cryptoRandomBytes)(SALT_BYTES);
  if (salt.length !== SALT_BYTES) throw new TypeError(`randomBytes is invalid: it returned ${salt.length} bytes for ${SALT_BYTES} (give a function returning as many random bytes as asked)`);
  const hash = await scryptAsync(bytes, salt, KEY_BYTES, { ...params, maxmem: scryptMaxmem(params) });
  return format(params, salt, hash);
}

// Bounded digit runs (15 digits stay below 2^53), so a huge number is refused as too
// big rather than parsed imprecisely; 22 and 43 base64 characters then the padding.
const STORED = /^scrypt\$N=([1-9][0-9]{0,14}),r=([1-9][0-9]{0,14}),p=([1-9][0-9]{0,14})\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/;

interface Parsed {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const match = STORED.exec(stored);
  if (match === null) return undefined;
  const [, N = '', r = '', p = '', saltText = '', hashText = ''] = match;
  const params = { N: Number(N), r: Number(r), p: Number(p) };
  if (!withinBounds(params)) return undefined;
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  // Canonical base64 only: the unused low bits of the last character must be zero.
  if (salt.toString('base64') !== saltText || hash.toString('base64') !== hashText) return undefined;
  return { params, salt, hash };
}

const sameParams = (a: ScryptParams, b: ScryptParams): boolean => a.N === b.N && a.r === b.r && a.p === b.p;

/**
 * Whether `password` is the one `stored` was made from, in constant time
 * (crypto.timingSafeEqual). A malformed stored string never throws: it is
 * `{ ok: false, needsRehash: true }`. `options.params` are the current parameters.
 */
export async function verifyPassword(password: string, stored: string, options: Pick<HashOptions, 'params'> = {}): Promise<Verification> {
  const current = checkedParams(options.params);
  const parsed = parse(stored);
  if (parsed === undefined) return { ok: false, needsRehash: true };
  return { ok: await matches(password, parsed), needsRehash: !sameParams(parsed.params, current) };
}

async function matches(password: string, parsed: Parsed): Promise<boolean> {
  const bytes = passwordBytes(password);
  let derived: Buffer;
  try {
    // A password with a lone surrogate was never hashed (hashPassword refuses it); the
    // scrypt is still spent on its replacement bytes, so refusing it takes the usual time.
    derived = await scryptAsync(bytes ?? Buffer.from(password, 'utf8'), parsed.salt, parsed.hash.length, { ...parsed.params, maxmem: scryptMaxmem(parsed.params) });
  } catch {
    return false; // not expected within the bounds parse checks; a refusal either way
  }
  return timingSafeEqual(derived, parsed.hash) && bytes !== undefined;
}

/**
 * For a login whose user does not exist: spends the same scrypt (at the current
 * parameters) and comparison as verifyPassword would, then says no. Without it, a
 * login for an unknown user answers in a millisecond and one for a known user in
 * 0.3 s, and that difference tells anyone which usernames (emails) have accounts.
 * It goes through verifyPassword itself, against a stored string of random salt and
 * random hash (no password has that hash but by a 2^-256 chance, and ok is false
 * regardless), so nothing needs computing beforehand and the work is the same code.
 */
export async function verifyAgainstNothing(password: string, options: Pick<HashOptions, 'params'> = {}): Promise<Verification> {
  const params = checkedParams(options.params);
  await verifyPassword(password, format(params, cryptoRandomBytes(SALT_BYTES), cryptoRandomBytes(KEY_BYTES)), { params });
  return { ok: false, needsRehash: false };
}

/**
 * Signup's rules on a new password and its confirmation: the messages to show the
 * learner, none when the password is fine. Length is counted in characters (code
 * points of the NFC form, so "é" is one character however it was typed, and so is
 * an emoji); a password is never shortened to fit. The confirmation is compared in
 * NFC too, as it will be at login.
 */
export function checkPasswordRules(password: string, confirmation: string): string[] {
  const errors: string[] = [];
  const nfc = password.normalize('NFC');
  const length = Array.from(nfc).length; // code points, deliberately: see MIN_PASSWORD_LENGTH
  if (length < MIN_PASSWORD_LENGTH) {
    errors.push(`Your password is too short: it has ${length} character${length === 1 ? '' : 's'}, and it needs at least ${MIN_PASSWORD_LENGTH}.`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    errors.push(`Your password is too long: it has ${length} characters, and at most ${MAX_PASSWORD_LENGTH} are allowed. Nothing is cut off: please choose a shorter one.`);
  }
  if (LONE_SURROGATE.test(nfc)) {
    errors.push('Your password holds a broken character (half of an emoji or other symbol) that cannot be stored: please type it again.');
  }
  if (confirmation.normalize('NFC') !== nfc) {
    errors.push('The two passwords do not match: type the same password in both fields.');
  }
  return errors;
}
