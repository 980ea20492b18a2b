/**
 * The sealed token format written from its documented layout (src/core/sealed.ts's
 * header comment), with node:crypto only, never with the code under test:
 *
 *     token     = "S2" "." keyId "." b64u(nonce[24] || ciphertext || tag[16])
 *     plaintext = "[" createdAt "," issuedAt "," expiresAt "," taggedJson(data) "]"
 *     aad       = "S2" "." keyId
 *     cipher    = XChaCha20-Poly1305 (test/support/xchacha-reference.ts)
 *     key       = HKDF-SHA256(secret, salt, "signet sealed v2 key\0" cookieName), 32 bytes
 *     keyId     = b64u(HKDF-SHA256(secret, salt, "signet sealed v2 key id\0" cookieName)[0..6])
 *
 * with the salt "signet sealed session"; and version 1, which signet still opens: "S1",
 * a 12-byte nonce, AES-256-GCM, the labels with "v1". Tests open signet's tokens with it
 * (proving the layout and the key binding) and make tokens signet must accept or refuse.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { referenceXChaChaOpen, referenceXChaChaSeal } from './xchacha-reference.js';

export const SEALED_SALT = 'signet sealed session';

export type Version = 'S1' | 'S2';

export interface ReferenceKey {
  readonly key: Buffer;
  readonly id: string;
}

const bytesOf = (secret: string | Uint8Array): Buffer => (typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret));
const labelOf = (version: Version): string => (version === 'S2' ? 'v2' : 'v1');
export const nonceBytesOf = (version: Version): number => (version === 'S2' ? 24 : 12);

/** The key and key id for a secret and a cookie name, in a version (S2 unless said). */
export function referenceKey(secret: string | Uint8Array, cookieName: string, version: Version = 'S2'): ReferenceKey {
  const ikm = bytesOf(secret);
  const label = labelOf(version);
  const key = Buffer.from(hkdfSync('sha256', ikm, SEALED_SALT, `signet sealed ${label} key\0${cookieName}`, 32));
  // The first 6 bytes of a longer output: HKDF's output is a prefix-stable stream.
  const id = Buffer.from(hkdfSync('sha256', ikm, SEALED_SALT, `signet sealed ${label} key id\0${cookieName}`, 32)).subarray(0, 6).toString('base64url');
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
  if (version !== 'S1' && version !== 'S2') throw new Error(`not a version: ${version}`);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new Error(`body is not base64url: ${body}`);
  const bytes = Buffer.from(body, 'base64url');
  const nonceBytes = nonceBytesOf(version);
  return { version, keyId, nonce: bytes.subarray(0, nonceBytes), ciphertext: bytes.subarray(nonceBytes, bytes.length - 16), tag: bytes.subarray(bytes.length - 16) };
}

/** The plaintext of a token under a secret and cookie name; throws if it does not authenticate. */
export function referenceOpen(token: string, secret: string | Uint8Array, cookieName: string): string {
  const { version, keyId, nonce, ciphertext, tag } = parseToken(token);
  const { key } = referenceKey(secret, cookieName, version as Version);
  const aad = Buffer.from(`${version}.${keyId}`, 'latin1');
  if (version === 'S2') return referenceXChaChaOpen(key, nonce, aad, Buffer.concat([ciphertext, tag])).toString('latin1');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAAD(aad);
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

/** Seals `plaintext` (ASCII) as a token, with the given nonce (of the version's size). */
export function referenceSealPlaintext(plaintext: string, secret: string | Uint8Array, cookieName: string, nonce?: Uint8Array, version: Version = 'S2'): string {
  const { key, id } = referenceKey(secret, cookieName, version);
  const header = `${version}.${id}`;
  const aad = Buffer.from(header, 'latin1');
  const nonceBytes = nonce ?? Buffer.alloc(nonceBytesOf(version), 7);
  let sealed: Buffer;
  if (version === 'S2') {
    sealed = referenceXChaChaSeal(key, nonceBytes, aad, Buffer.from(plaintext, 'latin1'));
  } else {
    const cipher = createCipheriv('aes-256-gcm', key, nonceBytes, { authTagLength: 16 });
    cipher.setAAD(aad);
    sealed = Buffer.concat([cipher.update(plaintext, 'latin1'), cipher.final(), cipher.getAuthTag()]);
  }
  return `${header}.${Buffer.concat([Buffer.from(nonceBytes), sealed]).toString('base64url')}`;
}

/** Seals times and a session's JSON text (tagged JSON; plain JSON for plain data). */
export function referenceSeal(times: ReferenceTimes, dataJson: string, secret: string | Uint8Array, cookieName: string, nonce?: Uint8Array, version: Version = 'S2'): string {
  return referenceSealPlaintext(`[${times.createdAt},${times.issuedAt},${times.expiresAt},${dataJson}]`, secret, cookieName, nonce, version);
}

/** Length of unpadded base64 for n bytes. */
export const base64UrlLength = (n: number): number => Math.ceil((n * 4) / 3);
