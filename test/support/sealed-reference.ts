/**
 * The sealed token format written from its documented layout (src/core/sealed.ts's
 * header comment), with node:crypto only, never with the code under test:
 *
 *     token     = "S1" "." keyId "." b64u(nonce[12] || ciphertext || tag[16])
 *     plaintext = "[" createdAt "," issuedAt "," expiresAt "," taggedJson(data) "]"
 *     aad       = "S1" "." keyId
 *     key       = HKDF-SHA256(secret, salt, "signet sealed v1 key\0" cookieName), 32 bytes
 *     keyId     = b64u(HKDF-SHA256(secret, salt, "signet sealed v1 key id\0" cookieName)[0..6])
 *
 * with the salt "signet sealed session". Tests open signet's tokens with it (proving the
 * layout and the key binding) and make tokens signet must accept or refuse.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

export const SEALED_SALT = 'signet sealed session';

export interface ReferenceKey {
  readonly key: Buffer;
  readonly id: string;
}

const bytesOf = (secret: string | Uint8Array): Buffer => (typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret));

/** The AES-256-GCM key and key id for a secret and a cookie name. */
export function referenceKey(secret: string | Uint8Array, cookieName: string): ReferenceKey {
  const ikm = bytesOf(secret);
  const key = Buffer.from(hkdfSync('sha256', ikm, SEALED_SALT, `signet sealed v1 key\0${cookieName}`, 32));
  // The first 6 bytes of a longer output: HKDF's output is a prefix-stable stream.
  const id = Buffer.from(hkdfSync('sha256', ikm, SEALED_SALT, `signet sealed v1 key id\0${cookieName}`, 32)).subarray(0, 6).toString('base64url');
  return { key, id };
}

export interface ParsedToken {
  readonly version: string;
  readonly keyId: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/** Splits a token into its parts without decrypting it. */
export function parseToken(token: string): ParsedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not three parts: ${token}`);
  const [version, keyId, body] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new Error(`body is not base64url: ${body}`);
  const bytes = Buffer.from(body, 'base64url');
  return { version, keyId, nonce: bytes.subarray(0, 12), ciphertext: bytes.subarray(12, bytes.length - 16), tag: bytes.subarray(bytes.length - 16) };
}

/** The plaintext of a token under a secret and cookie name; throws if it does not authenticate. */
export function referenceOpen(token: string, secret: string | Uint8Array, cookieName: string): string {
  const { version, keyId, nonce, ciphertext, tag } = parseToken(token);
  const { key } = referenceKey(secret, cookieName);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(`${version}.${keyId}`, 'latin1'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('latin1');
}

export interface ReferenceTimes {
  readonly createdAt: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** The four fields of a plaintext: the times and the session's tagged JSON, read with JSON.parse. */
export function readPlaintext(plaintext: string): ReferenceTimes & { readonly data: unknown } {
  const parsed = JSON.parse(plaintext) as unknown;
  if (!Array.isArray(parsed) || parsed.length !== 4) throw new Error(`not four fields: ${plaintext}`);
  const [createdAt, issuedAt, expiresAt, data] = parsed as [unknown, unknown, unknown, unknown];
  if (typeof createdAt !== 'number' || typeof issuedAt !== 'number' || typeof expiresAt !== 'number') throw new Error(`times are not numbers: ${plaintext}`);
  return { createdAt, issuedAt, expiresAt, data };
}

/** Seals `plaintext` (ASCII) as a token, with the given nonce. */
export function referenceSealPlaintext(plaintext: string, secret: string | Uint8Array, cookieName: string, nonce: Uint8Array = Buffer.alloc(12, 7)): string {
  const { key, id } = referenceKey(secret, cookieName);
  const header = `S1.${id}`;
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(header, 'latin1'));
  const body = Buffer.concat([Buffer.from(nonce), cipher.update(plaintext, 'latin1'), cipher.final(), cipher.getAuthTag()]);
  return `${header}.${body.toString('base64url')}`;
}

/** Seals times and a session's JSON text (tagged JSON; plain JSON for plain data). */
export function referenceSeal(times: ReferenceTimes, dataJson: string, secret: string | Uint8Array, cookieName: string, nonce?: Uint8Array): string {
  return referenceSealPlaintext(`[${times.createdAt},${times.issuedAt},${times.expiresAt},${dataJson}]`, secret, cookieName, nonce);
}

/** Length of unpadded base64 for n bytes. */
export const base64UrlLength = (n: number): number => Math.ceil((n * 4) / 3);
