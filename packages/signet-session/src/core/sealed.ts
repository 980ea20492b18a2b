/**
 * The sealed session format: the session encrypted and authenticated with AES-256-GCM,
 * so a user can neither read nor change it (Flask's signed cookie is readable).
 *
 *     token     = "S1" "." keyId "." b64u(nonce[12] || ciphertext || tag[16])
 *     plaintext = "[" createdAt "," issuedAt "," expiresAt "," taggedJson(data) "]"
 *     aad       = "S1" "." keyId                      (the header is authenticated too)
 *     key       = HKDF-SHA256(secret, salt, "signet sealed v1 key\0" cookieName)
 *     keyId     = b64u(HKDF-SHA256(secret, salt, "signet sealed v1 key id\0" cookieName)[0..6])
 *
 * Keys are bound to the cookie's name and this purpose by HKDF (RFC 5869), so the same
 * secret used for another cookie, or for Flask's signing, yields unrelated keys. The
 * times (Unix seconds) sit inside the authenticated plaintext. The key id names which
 * key sealed a token, so rotation needs one decryption, not one per key. Nonces are 96
 * random bits, safe for about 2^32 seals per key (NIST SP 800-38D); rotate keys well
 * before that.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { BadData, BadPayload, BadSignature, SignatureExpired, err, ok, type Result } from './errors.js';
import { isPyDict, type PyDict } from './python-types.js';
import { secretBytes, type Clock, type Secret } from './signer.js';
import { dumpTaggedJson, loadTaggedJson } from './tagged-json.js';
import { checkTimeouts, type TimeoutLimits } from './timeouts.js';
import { StringMemo } from './memo.js';

export const SEALED_VERSION = 'S1';
const HKDF_SALT = 'signet sealed session';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 6;

/** Random bytes; injectable so that tests can make tokens repeatable. */
export type RandomBytes = (size: number) => Uint8Array;

export interface SealedCodecOptions {
  /** The newest key: it seals. */
  readonly secret: Secret;
  /** Older keys that still open tokens, oldest first as everywhere (the key id picks one: order does not matter here). */
  readonly secretFallbacks?: readonly Secret[];
  /** The cookie's name: the keys are bound to it. */
  readonly cookieName: string;
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
}

/** When a session began, when this token was issued, and when it stops being valid (Unix seconds). */
export interface SealedTimes {
  readonly createdAt: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface OpenedToken<T extends PyDict = PyDict> extends SealedTimes {
  readonly data: T;
  /** The data as the token holds it (Flask's tagged JSON). */
  readonly json: string;
  /** 0 when the newest key opened it, 1 + i for `secretFallbacks[i]`. */
  readonly secretIndex: number;
}

interface SealingKey {
  readonly id: string;
  /** A KeyObject: each cipher then skips importing the bytes. */
  readonly key: KeyObject;
}

/** HKDF's info limit (1024 bytes) less the longest label deriveKey puts before the name. */
export const MAX_SEALED_NAME_BYTES = 1024 - Buffer.byteLength('signet sealed v1 key id\0');

/** A name for an error message: long ones shortened, their length said. */
export function showName(name: string): string {
  return name.length > 40 ? `${JSON.stringify(name.slice(0, 40)).slice(0, -1)}…" (${name.length} characters)` : JSON.stringify(name);
}

function deriveKey(secret: Secret, cookieName: string, what: string): SealingKey {
  const ikm = secretBytes(secret, what);
  const derive = (info: string, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, `signet sealed v1 ${info}\0${cookieName}`, length));
  return { key: createSecretKey(derive('key', 32)), id: derive('key id', KEY_ID_BYTES).toString('base64url') };
}

/** Opened tokens whose data is a flat dict, remembered per codec (they depend on its keys). */
interface Opened {
  readonly data: Readonly<PyDict>;
  readonly json: string;
  readonly times: SealedTimes;
  readonly secretIndex: number;
}

/** Many small nonces from one call to the system's generator (a syscall each, otherwise). */
function pooledRandomBytes(): RandomBytes {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return (size) => {
    if (offset + size > pool.length) {
      pool = randomBytes(Math.max(4096, size));
      offset = 0;
    }
    const bytes = pool.subarray(offset, offset + size);
    offset += size;
    return bytes;
  };
}

export class SealedCodec {
  private readonly keys: readonly SealingKey[];
  private readonly clock: Clock;
  private readonly random: RandomBytes;
  // Decryption is a pure function of the token and the keys: a busy server opens the
  // same cookie many times. Only flat sessions are kept (frozen; copies are handed out).
  private readonly opened = new StringMemo<Opened | null>('openedTokens');

  constructor(options: SealedCodecOptions) {
    if (typeof options.cookieName !== 'string' || Buffer.byteLength(options.cookieName) > MAX_SEALED_NAME_BYTES) {
      throw new TypeError(`cookieName is invalid: ${showName(typeof options.cookieName === 'string' ? options.cookieName : String(options.cookieName))} (the keys are bound to the name through HKDF, whose info holds 1024 bytes: give a name of at most ${MAX_SEALED_NAME_BYTES} bytes)`);
    }
    const secrets = [options.secret, ...(options.secretFallbacks ?? [])];
    this.keys = secrets.map((secret, i) => deriveKey(secret, options.cookieName, i === 0 ? 'secret' : `secretFallbacks[${i - 1}]`));
    this.clock = options.clock ?? Date.now;
    this.random = options.randomBytes ?? pooledRandomBytes();
  }

  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Whether a cookie value is in this format (and not, say, Flask's). */
  static claims(token: string): boolean {
    return token.startsWith(SEALED_VERSION + '.');
  }

  /** @throws TypeError for a value the tagged JSON cannot hold (a programmer error). */
  seal(data: PyDict, times: SealedTimes): string {
    return this.sealJson(dumpTaggedJson(data), times);
  }

  /** {@link seal} of a session already written as Flask's tagged JSON. */
  sealJson(json: string, times: SealedTimes): string {
    const { id, key } = this.keys[0] as SealingKey;
    const header = `${SEALED_VERSION}.${id}`;
    const nonce = this.random(NONCE_BYTES);
    if (nonce.length !== NONCE_BYTES) throw new TypeError(`randomBytes is invalid: gave ${nonce.length} bytes for ${NONCE_BYTES}`);
    const plaintext = `[${times.createdAt},${times.issuedAt},${times.expiresAt},${json}]`;
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(header, 'latin1'));
    const body = Buffer.concat([nonce, cipher.update(plaintext, 'latin1'), cipher.final(), cipher.getAuthTag()]);
    return `${header}.${body.toString('base64url')}`;
  }

  /**
   * Opens a token, never throwing. Verdicts: `malformed`, `unsupported-version`,
   * `unknown-key`, `decrypt-failed` (changed, forged, or another cookie's token),
   * `future` (issued ahead of the clock), `absolute-timeout` and `idle-timeout` (by the
   * limits given, from the times sealed inside), `expired` (past the expiry sealed inside).
   */
  open<T extends PyDict = PyDict>(token: string, limits: TimeoutLimits = {}): Result<OpenedToken<T>> {
    const remembered = this.opened.get(token, this.openFlat);
    if (remembered !== null) return this.judge({ ...remembered.data } as T, remembered.json, remembered.times, remembered.secretIndex, limits);
    const unsealed = this.unseal(token);
    if (!unsealed.ok) return unsealed;
    return this.judge(unsealed.value.data as T, unsealed.value.json, unsealed.value.times, unsealed.value.secretIndex, limits);
  }

  private readonly openFlat = (token: string): Opened | null => {
    const unsealed = this.unseal(token);
    if (!unsealed.ok) return null;
    const { data } = unsealed.value;
    return Object.values(data).every((item) => item === null || (typeof item !== 'object' && typeof item !== 'bigint')) ? { ...unsealed.value, data: Object.freeze(data) } : null;
  };

  /** The times, judged against the clock and the limits: the same token expires in time. */
  private judge<T extends PyDict>(data: T, json: string, times: SealedTimes, secretIndex: number, limits: TimeoutLimits): Result<OpenedToken<T>> {
    const { createdAt, issuedAt, expiresAt } = times;
    const now = this.now();
    if (issuedAt > now) return err(new SignatureExpired(`Sealed session issued ${issuedAt - now} seconds in the future`, 'future', undefined, issuedAt));
    const timedOut = checkTimeouts(now, createdAt, issuedAt, limits);
    if (timedOut !== undefined) return err(timedOut);
    if (now > expiresAt) return err(new SignatureExpired(`Sealed session expired ${now - expiresAt} seconds ago`, 'expired', undefined, issuedAt));
    return ok({ data, json, createdAt, issuedAt, expiresAt, secretIndex });
  }

  /** Decrypts and reads a token, without judging its times. */
  private unseal(token: string): Result<{ readonly data: PyDict; readonly json: string; readonly times: SealedTimes; readonly secretIndex: number }> {
    const parts = token.split('.');
    if (parts.length !== 3) return err(new BadData('A sealed token has three parts', 'malformed'));
    const [version, id, body] = parts as [string, string, string];
    if (version !== SEALED_VERSION) return err(new BadData(`Sealed token version ${JSON.stringify(version.slice(0, 8))} is not ${SEALED_VERSION}`, 'unsupported-version'));
    const index = this.keys.findIndex((key) => key.id === id);
    if (index < 0) return err(new BadSignature('No key has this key id', 'unknown-key'));
    const bytes = /^[A-Za-z0-9_-]*$/.test(body) ? Buffer.from(body, 'base64url') : undefined;
    // Only the canonical spelling: Node's decoder ignores spare low bits and a lone last
    // character, which would let several strings stand for one token.
    if (bytes === undefined || bytes.length < NONCE_BYTES + TAG_BYTES || bytes.toString('base64url') !== body) return err(new BadData('The sealed body is not base64url of nonce, ciphertext and tag', 'malformed'));
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', (this.keys[index] as SealingKey).key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${version}.${id}`, 'latin1'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      plaintext = Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('latin1');
    } catch {
      return err(new BadSignature('The sealed token does not authenticate', 'decrypt-failed'));
    }
    let parsed: unknown;
    try {
      parsed = loadTaggedJson(plaintext);
    } catch (cause) {
      return err(new BadPayload('The sealed plaintext is not the expected JSON', 'payload-json', cause));
    }
    if (!Array.isArray(parsed) || parsed.length !== 4) return err(new BadPayload('The sealed plaintext is not [created, issued, expires, data]', 'payload-json'));
    const [createdAt, issuedAt, expiresAt, data] = parsed as unknown[];
    if (!isSeconds(createdAt) || !isSeconds(issuedAt) || !isSeconds(expiresAt)) return err(new BadPayload('The sealed times are not whole seconds', 'payload-json'));
    if (!isPyDict(data)) return err(new BadPayload('The session is not a dict', 'payload-not-dict'));
    // The data's JSON follows the three whole numbers and their commas.
    const json = plaintext.slice(`[${createdAt},${issuedAt},${expiresAt},`.length, -1);
    return ok({ data, json, times: { createdAt, issuedAt, expiresAt }, secretIndex: index });
  }
}

const isSeconds = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
