/**
 * itsdangerous's Signer and TimestampSigner (itsdangerous/signer.py, timed.py) with
 * Flask's session settings: HMAC-SHA1, key derivation "hmac", separator ".".
 *
 *     signed    = value "." timestamp "." signature          (TimestampSigner)
 *     timestamp = b64u(unix seconds, big-endian, leading zero bytes dropped)
 *     signature = b64u(HMAC-SHA1(key, value "." timestamp))
 *     key       = HMAC-SHA1(secret, salt)                    ("hmac" derivation)
 */
import { createHmac } from 'node:crypto';
import { HmacSha1 } from './hmac-sha1.js';
import { decodeBase64Lenient, encodeBase64Url } from './base64.js';
import { BadSignature, BadTimeSignature, SignatureExpired, err, ok, type Result } from './errors.js';
import { memosEnabled, StringMemo } from './memo.js';

/** A secret key: text (UTF-8 encoded, as Python's `want_bytes`) or raw bytes. */
export type Secret = string | Uint8Array;

/** Milliseconds since the Unix epoch, as `Date.now`. Inject one to control time in tests. */
export type Clock = () => number;

export interface SignerOptions {
  /** The newest key signs. */
  readonly secret: Secret;
  /**
   * Older keys that still verify, oldest first, as Flask's `SECRET_KEY_FALLBACKS`
   * (itsdangerous's key list without its last, signing key). The newest is tried first.
   */
  readonly secretFallbacks?: readonly Secret[];
  /** Namespaces the derived key; Flask's session uses "cookie-session". */
  readonly salt: string;
}

export interface Unsigned {
  /** The signed text, before the signature. */
  readonly value: string;
  /** Which secret verified it: 0 for `secret`, 1 + i for `secretFallbacks[i]`. */
  readonly secretIndex: number;
}

/**
 * Turns a secret into bytes, refusing a missing or empty one (Flask has no session
 * without a key). `what` names the option in the message.
 */
export function secretBytes(secret: Secret, what = 'secret'): Buffer {
  // A runtime guard: `secret: process.env.SECRET_KEY!` is undefined when the variable is unset.
  const given: unknown = secret;
  if (typeof given !== 'string' && !(given instanceof Uint8Array)) {
    const shown = given === null || given === undefined ? String(given) : typeof given;
    throw new TypeError(`${what} is invalid: ${shown} (give the key as text or bytes, 32 random bytes or more; if it comes from an environment variable such as SECRET_KEY, that variable is not set)`);
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
  if (bytes.length === 0) throw new TypeError(`${what} is invalid: it is empty`);
  return bytes;
}

const SEPARATOR = '.';

/**
 * Whether a given signature is the expected one, in time that does not depend on where
 * they differ (as `hmac.compare_digest`); a length mismatch reveals nothing secret.
 * Comparing char codes is the same verdict as comparing UTF-8 bytes: the expected
 * signature is ASCII, so any other char differs either way.
 */
function sameSignature(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}

/** itsdangerous `Signer`: `value "." b64u(HMAC(key, value))`. */
export class Signer {
  /** Derived keys in the order they are tried: the signing key, then the fallbacks newest first. */
  private readonly keys: readonly HmacSha1[];
  /** The `secretIndex` of each key in `keys`. */
  private readonly indexes: readonly number[];

  constructor(options: SignerOptions) {
    const fallbacks = options.secretFallbacks ?? [];
    const derive = (secret: Secret, what: string): HmacSha1 => new HmacSha1(createHmac('sha1', secretBytes(secret, what)).update(options.salt, 'utf8').digest());
    const newestFirst = fallbacks.map((_, i) => fallbacks.length - 1 - i);
    this.keys = [derive(options.secret, 'secret'), ...newestFirst.map((i) => derive(fallbacks[i] as Secret, `secretFallbacks[${i}]`))];
    this.indexes = [0, ...newestFirst.map((i) => 1 + i)];
  }

  /** The signature segment for `value` under key `index` (27 characters for SHA-1). */
  signature(value: string, index = 0): string {
    // The current key's signatures are remembered: a server signs the same session at the
    // same second, and verifies the same cookie, many times over. An HMAC is a pure
    // function of its input, so this changes no verdict.
    if (index === 0) return this.memo.get(value, this.computeSignature);
    return (this.keys[index] as HmacSha1).signBase64Url(value);
  }

  private readonly memo = new StringMemo<string>('signatures');
  private readonly computeSignature = (value: string): string => (this.keys[0] as HmacSha1).signBase64Url(value);

  sign(value: string): string {
    return value + SEPARATOR + this.signature(value);
  }

  /**
   * Checks the signature after the last ".". Only the canonical spelling of a signature
   * is accepted: itsdangerous also takes spellings its lenient base64 reads the same
   * (another last character, stray characters), which a browser never sends back.
   */
  unsign(signed: string): Result<Unsigned, BadSignature> {
    const cut = signed.lastIndexOf(SEPARATOR);
    if (cut < 0) return err(new BadSignature('No "." found in value', 'no-separator'));
    const value = signed.slice(0, cut);
    const given = signed.slice(cut + 1);
    for (let i = 0; i < this.keys.length; i++) {
      if (sameSignature(given, this.signature(value, i))) return ok({ value, secretIndex: this.indexes[i] as number });
    }
    return err(new BadSignature('Signature does not match', 'signature-mismatch', value));
  }
}

/** Python's datetime cannot hold a time after 9999-12-31: itsdangerous calls such a stamp malformed. */
const LAST_PYTHON_SECOND = 253402300799;

export interface TimestampSignerOptions extends SignerOptions {
  readonly clock?: Clock;
}

export interface TimestampUnsigned extends Unsigned {
  /** Unix seconds when it was signed. */
  readonly timestamp: number;
}

/** itsdangerous `TimestampSigner`: `value "." b64u(seconds) "." signature`. */
export class TimestampSigner {
  private readonly signer: Signer;
  private readonly clock: Clock;

  constructor(options: TimestampSignerOptions) {
    this.signer = new Signer(options);
    this.clock = options.clock ?? Date.now;
  }

  /** The current time in whole Unix seconds, as itsdangerous's `int(time.time())`. */
  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  sign(value: string, timestamp = this.now()): string {
    const stamped = value + SEPARATOR + encodeTimestamp(timestamp);
    return stamped + SEPARATOR + this.signer.signature(stamped);
  }

  /**
   * `TimestampSigner.unsign(value, max_age)` with itsdangerous's verdicts, in its order:
   * signature first, then the timestamp's presence and form, then its age. An age of
   * exactly `maxAge` passes; a negative age (signed in the future) does not.
   */
  unsign(signed: string, maxAge?: number): Result<TimestampUnsigned, BadSignature> {
    const checked = this.signer.unsign(signed);
    if (!checked.ok && checked.error.payload === undefined) return checked; // no "." at all
    const stamped = checked.ok ? checked.value.value : (checked.error.payload as string);
    const cut = stamped.lastIndexOf(SEPARATOR);
    if (cut < 0) {
      if (!checked.ok) return checked;
      return err(new BadTimeSignature('timestamp missing', 'timestamp-missing', stamped));
    }
    const value = stamped.slice(0, cut);
    const timestamp = decodeTimestamp(stamped.slice(cut + 1));
    if (!checked.ok) {
      if (timestamp !== undefined && timestamp > LAST_PYTHON_SECOND) {
        return err(new BadTimeSignature('Malformed timestamp', 'timestamp-malformed', value));
      }
      return err(new BadTimeSignature(checked.error.message, 'signature-mismatch', value, timestamp));
    }
    if (timestamp === undefined) return err(new BadTimeSignature('Malformed timestamp', 'timestamp-malformed', value));
    if (maxAge !== undefined) {
      const age = this.now() - timestamp;
      if (age > maxAge) return err(new SignatureExpired(`Signature age ${age} > ${maxAge} seconds`, 'expired', value, timestamp));
      if (age < 0) return err(new SignatureExpired(`Signature age ${age} < 0 seconds`, 'future', value, timestamp));
    }
    return ok({ value, timestamp, secretIndex: checked.value.secretIndex });
  }
}

/** itsdangerous `int_to_bytes`: `struct.pack(">Q", n).lstrip(b"\x00")`, then b64u. */
export function encodeTimestamp(seconds: number): string {
  if (seconds === lastEncoded.seconds && memosEnabled()) return lastEncoded.text; // one second, many cookies
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`timestamp is invalid: ${seconds}`);
  const bytes: number[] = [];
  for (let n = seconds; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  const text = encodeBase64Url(Uint8Array.from(bytes));
  lastEncoded = { seconds, text };
  return text;
}
let lastEncoded = { seconds: -1, text: '' };

/**
 * itsdangerous `bytes_to_int(base64_decode(ts))`: lenient base64, at most 8 bytes
 * (`struct.unpack(">Q", b.rjust(8, b"\x00"))`), or `undefined` ("Malformed timestamp").
 */
export function decodeTimestamp(text: string): number | undefined {
  return timestampMemo.get(text, readTimestamp);
}
const timestampMemo = new StringMemo<number | undefined>('timestamps');

function readTimestamp(text: string): number | undefined {
  const bytes = decodeBase64Lenient(toByteString(text), 'url-safe', true);
  if (bytes === undefined || bytes.length > 8) return undefined;
  let n = 0;
  for (const byte of bytes) n = n * 256 + byte; // exact while n < 2^53; larger is past year 9999
  return n;
}

/**
 * itsdangerous works on the UTF-8 bytes of a token; base64 decoding skips every byte
 * outside the alphabet, but the padding it adds counts them. A string of those bytes,
 * one char per byte.
 */
export function toByteString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}
