/**
 * The sealed session format: the session encrypted and authenticated, so a user can
 * neither read nor change it (Flask's signed cookie is readable).
 *
 *     token     = "S2" "." keyId "." b64u(nonce[24] || ciphertext || tag[16])
 *     plaintext = "[" createdAt "," issuedAt "," expiresAt "," taggedJson(data) "]"
 *     aad       = "S2" "." keyId                      (the header is authenticated too)
 *     cipher    = XChaCha20-Poly1305 (xchacha20-poly1305.ts)
 *     key       = HKDF-SHA256(secret, salt, "signet sealed v2 key\0" cookieName)
 *     keyId     = b64u(HKDF-SHA256(secret, salt, "signet sealed v2 key id\0" cookieName)[0..6])
 *
 * Keys are bound to the cookie's name, the version and this purpose by HKDF (RFC 5869),
 * so the same secret used for another cookie, for the older version, or for Flask's
 * signing, yields unrelated keys. The times (Unix seconds) sit inside the authenticated
 * plaintext. The key id names which key sealed a token, so rotation needs one decryption,
 * not one per key. Nonces are 192 random bits: a key can seal any number of tokens.
 *
 * Version 1 tokens ("S1", AES-256-GCM with a 96-bit random nonce, its keys from the same
 * labels with "v1") are still opened, with node:crypto, and the engine re-issues each as
 * S2 on its next answer. S2 replaced it because OpenSSL's per-token cipher set-up made a
 * sealed session three to four times the work of a signed one, and because a random
 * 96-bit nonce is safe for only about 2^32 tokens a key.
 */
import { createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { isCanonicalBase64Url } from './base64.js';
import { BadData, BadPayload, BadSignature, SignatureExpired, err, ok, type Result } from './errors.js';
import { isPyDict, type PyDict } from './python-types.js';
import { secretBytes, type Clock, type Secret } from './signer.js';
import { dumpTaggedJson, loadTaggedJson } from './tagged-json.js';
import { checkTimeouts, type TimeoutLimits } from './timeouts.js';
import { StringMemo } from './memo.js';
import { NONCE_BYTES, TAG_BYTES, XChaCha20Poly1305 } from './xchacha20-poly1305.js';

/** The version this codec seals. */
export const SEALED_VERSION = 'S2';
/** The version before, which it still opens. */
export const SEALED_VERSION_1 = 'S1';
const HKDF_SALT = 'signet sealed session';
const V1_NONCE_BYTES = 12;
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
  /** The format version of the token: S1 ones are best re-issued (as S2). */
  readonly version: SealedVersion;
}

export type SealedVersion = typeof SEALED_VERSION | typeof SEALED_VERSION_1;

interface SealingKey {
  readonly id: string;
  /** The header, and the associated data: "S2." id, in bytes. */
  readonly aad: Uint8Array;
  readonly cipher: XChaCha20Poly1305;
}

/** A key of version 1, for opening only. */
interface Version1Key {
  readonly id: string;
  /** A KeyObject: each cipher then skips importing the bytes. */
  readonly key: KeyObject;
}

/** HKDF's info limit (1024 bytes) less the longest label deriveKeys puts before the name. */
export const MAX_SEALED_NAME_BYTES = 1024 - Buffer.byteLength('signet sealed v2 key id\0');

/** A name for an error message: long ones shortened, their length said. */
export function showName(name: string): string {
  return name.length > 40 ? `${JSON.stringify(name.slice(0, 40)).slice(0, -1)}…" (${name.length} characters)` : JSON.stringify(name);
}

function deriveKeys(secret: Secret, cookieName: string, what: string): { readonly v2: SealingKey; readonly v1: Version1Key } {
  const ikm = secretBytes(secret, what);
  const derive = (info: string, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, `signet sealed ${info}\0${cookieName}`, length));
  const id = derive('v2 key id', KEY_ID_BYTES).toString('base64url');
  return {
    v2: { id, aad: Buffer.from(`${SEALED_VERSION}.${id}`, 'latin1'), cipher: new XChaCha20Poly1305(derive('v2 key', 32)) },
    v1: { key: createSecretKey(derive('v1 key', 32)), id: derive('v1 key id', KEY_ID_BYTES).toString('base64url') },
  };
}

/**
 * Where tokens are sealed and opened, shared: nonce, plaintext and tag are written in
 * place, so a token costs no buffer of its own. Grown for a longer token, never shrunk.
 */
let scratch = Buffer.allocUnsafeSlow(8192);
function scratchOf(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(bytes);
  return scratch;
}

/** Opened tokens whose data is a flat dict, remembered per codec (they depend on its keys). */
interface Opened {
  readonly data: Readonly<PyDict>;
  readonly json: string;
  readonly times: SealedTimes;
  readonly secretIndex: number;
  readonly version: SealedVersion;
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
  private readonly version1Keys: readonly Version1Key[];
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
    const derived = secrets.map((secret, i) => deriveKeys(secret, options.cookieName, i === 0 ? 'secret' : `secretFallbacks[${i - 1}]`));
    this.keys = derived.map((keys) => keys.v2);
    this.version1Keys = derived.map((keys) => keys.v1);
    this.clock = options.clock ?? Date.now;
    this.random = options.randomBytes ?? pooledRandomBytes();
  }

  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Whether a cookie value is in this format (and not, say, Flask's). */
  static claims(token: string): boolean {
    return token.startsWith(SEALED_VERSION + '.') || token.startsWith(SEALED_VERSION_1 + '.');
  }

  /** @throws TypeError for a value the tagged JSON cannot hold (a programmer error). */
  seal(data: PyDict, times: SealedTimes): string {
    return this.sealJson(dumpTaggedJson(data), times);
  }

  /** {@link seal} of a session already written as Flask's tagged JSON. */
  sealJson(json: string, times: SealedTimes): string {
    const { id, aad, cipher } = this.keys[0] as SealingKey;
    const nonce = this.random(NONCE_BYTES);
    if (nonce.length !== NONCE_BYTES) throw new TypeError(`randomBytes is invalid: gave ${nonce.length} bytes for ${NONCE_BYTES}`);
    const plaintext = `[${times.createdAt},${times.issuedAt},${times.expiresAt},${json}]`;
    const bytes = scratchOf(NONCE_BYTES + plaintext.length + TAG_BYTES);
    bytes.set(nonce, 0);
    // The tagged JSON is ASCII (non-ASCII is escaped): one byte a character.
    const end = cipher.sealInPlace(bytes, 0, aad, bytes, NONCE_BYTES, NONCE_BYTES + bytes.write(plaintext, NONCE_BYTES, 'latin1'));
    return `${SEALED_VERSION}.${id}.${bytes.toString('base64url', 0, end)}`;
  }

  /**
   * Opens a token, never throwing. Verdicts: `malformed`, `unsupported-version`,
   * `unknown-key`, `decrypt-failed` (changed, forged, or another cookie's token),
   * `future` (issued ahead of the clock), `absolute-timeout` and `idle-timeout` (by the
   * limits given, from the times sealed inside), `expired` (past the expiry sealed inside).
   */
  open<T extends PyDict = PyDict>(token: string, limits: TimeoutLimits = {}): Result<OpenedToken<T>> {
    const remembered = this.opened.get(token, this.openFlat);
    if (remembered !== null) return this.judge({ ...remembered.data } as T, remembered.json, remembered.times, remembered.secretIndex, remembered.version, limits);
    const unsealed = this.unseal(token);
    if (!unsealed.ok) return unsealed;
    return this.judge(unsealed.value.data as T, unsealed.value.json, unsealed.value.times, unsealed.value.secretIndex, unsealed.value.version, limits);
  }

  private readonly openFlat = (token: string): Opened | null => {
    const unsealed = this.unseal(token);
    if (!unsealed.ok) return null;
    const { data } = unsealed.value;
    return Object.values(data).every((item) => item === null || (typeof item !== 'object' && typeof item !== 'bigint')) ? { ...unsealed.value, data: Object.freeze(data) } : null;
  };

  /** The times, judged against the clock and the limits: the same token expires in time. */
  private judge<T extends PyDict>(data: T, json: string, times: SealedTimes, secretIndex: number, version: SealedVersion, limits: TimeoutLimits): Result<OpenedToken<T>> {
    const { createdAt, issuedAt, expiresAt } = times;
    const now = this.now();
    if (issuedAt > now) return err(new SignatureExpired(`Sealed session issued ${issuedAt - now} seconds in the future`, 'future', undefined, issuedAt));
    const timedOut = checkTimeouts(now, createdAt, issuedAt, limits);
    if (timedOut !== undefined) return err(timedOut);
    if (now > expiresAt) return err(new SignatureExpired(`Sealed session expired ${now - expiresAt} seconds ago`, 'expired', undefined, issuedAt));
    return ok({ data, json, createdAt, issuedAt, expiresAt, secretIndex, version });
  }

  /** Decrypts and reads a token, without judging its times. */
  private unseal(token: string): Result<Opened> {
    const parts = token.split('.');
    if (parts.length !== 3) return err(new BadData('A sealed token has three parts', 'malformed'));
    const [version, id, body] = parts as [string, string, string];
    if (version !== SEALED_VERSION && version !== SEALED_VERSION_1) return err(new BadData(`Sealed token version ${JSON.stringify(version.slice(0, 8))} is not ${SEALED_VERSION} (or ${SEALED_VERSION_1})`, 'unsupported-version'));
    const index = (version === SEALED_VERSION ? this.keys : this.version1Keys).findIndex((key) => key.id === id);
    if (index < 0) return err(new BadSignature('No key has this key id', 'unknown-key'));
    // Only the canonical spelling: Node's decoder ignores spare low bits and a lone last
    // character, which would let several strings stand for one token.
    const nonceBytes = version === SEALED_VERSION ? NONCE_BYTES : V1_NONCE_BYTES;
    if (!isCanonicalBase64Url(body) || body.length < Math.ceil(((nonceBytes + TAG_BYTES) * 4) / 3)) return err(new BadData('The sealed body is not base64url of nonce, ciphertext and tag', 'malformed'));
    const plaintext = version === SEALED_VERSION ? this.decrypt(index, body) : this.decryptVersion1(index, version, id, body);
    if (plaintext === undefined) return err(new BadSignature('The sealed token does not authenticate', 'decrypt-failed'));
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
    return ok({ data, json, times: { createdAt, issuedAt, expiresAt }, secretIndex: index, version });
  }

  /** The plaintext of an S2 body under keys[index], or undefined if it does not authenticate. */
  private decrypt(index: number, body: string): string | undefined {
    const bytes = scratchOf(Math.ceil((body.length * 3) / 4));
    const length = bytes.write(body, 0, 'base64url');
    const { aad, cipher } = this.keys[index] as SealingKey;
    return cipher.openInPlace(bytes, 0, aad, bytes, NONCE_BYTES, length) ? bytes.toString('latin1', NONCE_BYTES, length - TAG_BYTES) : undefined;
  }

  /** The plaintext of an S1 body (AES-256-GCM) under version1Keys[index], or undefined. */
  private decryptVersion1(index: number, version: string, id: string, body: string): string | undefined {
    const bytes = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', (this.version1Keys[index] as Version1Key).key, bytes.subarray(0, V1_NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${version}.${id}`, 'latin1'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(V1_NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('latin1');
    } catch {
      return undefined;
    }
  }
}

const isSeconds = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
