/**
 * The reference a server-side session's cookie holds (docs/server-sessions.md): a family
 * tag and a 256-bit secret, signed with the Flask format's Signer under a salt of its
 * own; and the key under which a store keeps the session, which holds only a digest of
 * the secret, so that a dump of the store gives no live cookie.
 *
 *     cookie = family "." secret "." b64u(HMAC-SHA1(key, family "." secret))
 *     family = 8 base64url chars (48 random bits), kept when the session is regenerated
 *     secret = 43 base64url chars (256 random bits), new on every regeneration
 *     key    = "signet:{" family "}:s:" b64u(SHA-256(secret))
 */
import { createHash, createHmac, randomBytes as systemRandomBytes } from 'node:crypto';
import { encodeBase64Url } from './base64.js';
import { BadSignature, err, ok, type Result } from './errors.js';
import { Signer, type Secret } from './signer.js';

/** Namespaces the id's signature: a signed id is never a session cookie, nor the other way round. */
export const SESSION_ID_SALT = 'signet-session-id';
export const FAMILY_BYTES = 6;
export const SECRET_BYTES = 32;
const FAMILY = /^[A-Za-z0-9_-]{8}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** A server-side session's id: which family of regenerations it belongs to, and its secret. */
export interface SessionId {
  readonly family: string;
  readonly secret: string;
}

export interface SessionIdsOptions {
  readonly secret: Secret;
  /** Older keys that still verify an id, oldest first (as everywhere in signet). */
  readonly secretFallbacks?: readonly Secret[];
  /** Random bytes; the system's generator by default. Inject one in tests. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export interface ReadId {
  readonly id: SessionId;
  /** 0 when the current secret verified it, 1 + i for `secretFallbacks[i]`. */
  readonly secretIndex: number;
}

/** Makes, signs and reads session ids under one key. */
export class SessionIds {
  private readonly signer: Signer;
  private readonly random: (size: number) => Uint8Array;

  constructor(options: SessionIdsOptions) {
    this.signer = new Signer({ secret: options.secret, secretFallbacks: options.secretFallbacks ?? [], salt: SESSION_ID_SALT });
    this.random = options.randomBytes ?? systemRandomBytes;
  }

  /** A new id: a new secret, in `family` (a regeneration) or in a new family. */
  create(family?: string): SessionId {
    if (family !== undefined && !FAMILY.test(family)) throw new TypeError(`family is invalid: ${JSON.stringify(family)} (8 base64url characters, from an id)`);
    return { family: family ?? encodeBase64Url(this.bytes(FAMILY_BYTES)), secret: encodeBase64Url(this.bytes(SECRET_BYTES)) };
  }

  /** The cookie value that refers to `id`. */
  cookieValue(id: SessionId): string {
    return this.signer.sign(`${id.family}.${id.secret}`);
  }

  /** Reads a cookie value, never throwing: the id, or why it is not one. */
  read(cookie: string): Result<ReadId> {
    const unsigned = this.signer.unsign(cookie);
    if (!unsigned.ok) return unsigned;
    const { value, secretIndex } = unsigned.value;
    const dot = value.indexOf('.');
    const family = value.slice(0, dot);
    const secret = value.slice(dot + 1);
    // Only ids of signet's own shape: anything else signed under this salt is not one.
    if (dot < 0 || !FAMILY.test(family) || !SECRET.test(secret)) return err(new BadSignature('The signed value is not a session id', 'malformed'));
    return ok({ id: { family, secret }, secretIndex });
  }

  private bytes(size: number): Uint8Array {
    const bytes = this.random(size);
    if (bytes.length !== size) throw new TypeError(`randomBytes is invalid: gave ${bytes.length} bytes for ${size}`);
    return bytes;
  }
}

/** Where a store keeps the session `id`: its family as the hash tag (one cluster slot), and a digest of its secret. */
export function storageKey(id: SessionId, prefix = 'signet'): string {
  return `${prefix}:{${id.family}}:s:${createHash('sha256').update(id.secret, 'latin1').digest('base64url')}`;
}

/**
 * The new secret of a regenerated session, as its old id's key keeps it for a few
 * seconds: XOR with HMAC-SHA256(old secret), so that only a holder of the old cookie can
 * learn the new one, and a dump of the store still gives no live cookie.
 */
export function sealForward(oldSecret: string, newSecret: string): string {
  const pad = forwardPad(oldSecret);
  const bytes = Buffer.from(newSecret, 'base64url');
  for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] as number) ^ (pad[i] as number);
  return encodeBase64Url(bytes);
}

/** The new secret {@link sealForward} kept, or undefined for anything else. */
export function openForward(oldSecret: string, forward: string): string | undefined {
  if (!SECRET.test(forward)) return undefined;
  const bytes = Buffer.from(forward, 'base64url');
  const pad = forwardPad(oldSecret);
  const secret = Buffer.from(bytes);
  for (let i = 0; i < secret.length; i++) secret[i] = (secret[i] as number) ^ (pad[i] as number);
  return encodeBase64Url(secret);
}

function forwardPad(oldSecret: string): Buffer {
  return createHmac('sha256', oldSecret).update('signet-session forward').digest();
}

const KEY_FAMILY = /\{([A-Za-z0-9_-]{8})\}:s:/;

/** The family of the session a store key names (the id a user's list of sessions shows). */
export function familyOf(key: string): string | undefined {
  return KEY_FAMILY.exec(key)?.[1];
}
