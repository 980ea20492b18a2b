/**
 * Small helpers for building odd session tokens in tests, written with Node's own
 * Buffer and zlib (not with the code under test).
 */
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';

/** URL-safe base64 without padding, as itsdangerous writes it. */
export function b64u(data: Uint8Array | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString('base64url');
}

/** The bytes of a string as UTF-8. */
export function utf8(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'utf8'));
}

export function zlibOf(data: Uint8Array | string): Uint8Array {
  return Uint8Array.from(deflateSync(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
}

export function rawDeflateOf(data: string): Uint8Array {
  return Uint8Array.from(deflateRawSync(Buffer.from(data, 'utf8')));
}

export function gzipOf(data: string): Uint8Array {
  return Uint8Array.from(gzipSync(Buffer.from(data, 'utf8')));
}

/** itsdangerous's `int_to_bytes`: big-endian, leading zero bytes dropped (0 is no bytes). */
export function intToBytes(n: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Uint8Array.from(bytes);
}

/** The timestamp segment for second `n`. */
export function timestampSegment(n: number | bigint): string {
  return b64u(intToBytes(BigInt(n)));
}

/** The URL-safe base64 alphabet, one character each. */
export const B64URL_ALPHABET: readonly string[] = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('');
