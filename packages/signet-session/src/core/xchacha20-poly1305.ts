/**
 * XChaCha20-Poly1305 (RFC 8439's ChaCha20-Poly1305 AEAD with draft-irtf-cfrg-xchacha's
 * 192-bit nonce) in plain code, for the sealed format's short tokens.
 *
 * Why not node:crypto: each OpenSSL cipher is an object built per token (a context, a key
 * schedule, a stream wrapper, several crossings into C++), and for a cookie of a hundred
 * bytes that set-up is nearly all the cost: AES-256-GCM took 5 to 6 µs to seal one, and as
 * much to open it, where this takes under 2 (bench/distinct-core.mjs sealed). Why
 * XChaCha: its nonce is 192 random bits, so a key may seal as many tokens as a server will
 * ever issue (a 96-bit random nonce, GCM's, is safe for about 2^32 per key).
 *
 * ChaCha20 is additions, rotations and XORs of 32-bit words; Poly1305 is tweetnacl's
 * (public domain) arithmetic in 13-bit limbs, whose final reduction selects by masks. No
 * step branches or indexes memory on a secret, so the time depends on the lengths only;
 * the tag is compared in full before anything is decided. The property tests hold it to
 * node:crypto's chacha20-poly1305, with HChaCha20 computed there too.
 */

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;

/** The 16 words of one ChaCha20 block (or, for HChaCha20, the 8 words it keeps). */
const block = new Int32Array(16);

/**
 * The ChaCha20 block function of RFC 8439 §2.3 on key words k, a counter and three nonce
 * words, into `block`. With `feedForward` false it is HChaCha20's core: the state after
 * the rounds, of which words 0-3 and 12-15 are the subkey.
 */
function chachaBlock(k: Int32Array, counter: number, n0: number, n1: number, n2: number, feedForward: boolean): void {
  let x0 = SIGMA0;
  let x1 = SIGMA1;
  let x2 = SIGMA2;
  let x3 = SIGMA3;
  let x4 = k[0] as number;
  let x5 = k[1] as number;
  let x6 = k[2] as number;
  let x7 = k[3] as number;
  let x8 = k[4] as number;
  let x9 = k[5] as number;
  let x10 = k[6] as number;
  let x11 = k[7] as number;
  let x12 = counter | 0;
  let x13 = n0;
  let x14 = n1;
  let x15 = n2;
  // Ten double rounds, each four column then four diagonal quarter rounds, written out:
  // a loop over index arrays would keep the state in memory instead of registers.
  for (let i = 0; i < 10; i++) {
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  const out = block;
  if (!feedForward) {
    out[0] = x0; out[1] = x1; out[2] = x2; out[3] = x3;
    out[4] = x12; out[5] = x13; out[6] = x14; out[7] = x15;
    return;
  }
  out[0] = x0 + SIGMA0; out[1] = x1 + SIGMA1; out[2] = x2 + SIGMA2; out[3] = x3 + SIGMA3;
  out[4] = x4 + (k[0] as number); out[5] = x5 + (k[1] as number); out[6] = x6 + (k[2] as number); out[7] = x7 + (k[3] as number);
  out[8] = x8 + (k[4] as number); out[9] = x9 + (k[5] as number); out[10] = x10 + (k[6] as number); out[11] = x11 + (k[7] as number);
  out[12] = x12 + counter; out[13] = x13 + n0; out[14] = x14 + n1; out[15] = x15 + n2;
}

const word = (bytes: Uint8Array, i: number): number =>
  (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);

/** XORs ChaCha20's keystream from block `counter` on into bytes[start..end), in place. */
function chachaXor(k: Int32Array, n0: number, n1: number, n2: number, counter: number, bytes: Uint8Array, start: number, end: number): void {
  for (let offset = start; offset < end; offset += 64, counter++) {
    chachaBlock(k, counter, n0, n1, n2, true);
    const stop = Math.min(end, offset + 64);
    // Byte by byte from each word, little-endian on any host.
    for (let i = offset, w = 0; i < stop; w++) {
      const key = block[w] as number;
      bytes[i] = (bytes[i] as number) ^ (key & 0xff);
      if (++i === stop) break;
      bytes[i] = (bytes[i] as number) ^ ((key >>> 8) & 0xff);
      if (++i === stop) break;
      bytes[i] = (bytes[i] as number) ^ ((key >>> 16) & 0xff);
      if (++i === stop) break;
      bytes[i] = (bytes[i] as number) ^ (key >>> 24);
      i++;
    }
  }
}

// Poly1305 (RFC 8439 §2.5) in tweetnacl's arithmetic: ten 13-bit limbs, whose products
// and sums stay exact in doubles. (Six 22-bit limbs in doubles, as Bernstein's first
// Poly1305, take 36 products a block instead of 100, but measured no faster here: 0.66 µs
// for ten blocks either way, so tweetnacl's well-trodden code stays.) Its state is shared:
// one MAC at a time, start to finish, with no await inside.
const r = new Uint16Array(10);
const h = new Uint16Array(10);
const g = new Uint16Array(10);
const pad = new Uint16Array(8);
const tail = new Uint8Array(16);
const lengths = new Uint8Array(16);
const computedTag = new Uint8Array(TAG_BYTES);

/** Starts a MAC under the one-time key in key[0..8) (r, then s, as little-endian words). */
function polyStart(key: Int32Array): void {
  const k0 = key[0] as number;
  const k1 = key[1] as number;
  const k2 = key[2] as number;
  const k3 = key[3] as number;
  const t0 = k0 & 0xffff;
  const t1 = k0 >>> 16;
  const t2 = k1 & 0xffff;
  const t3 = k1 >>> 16;
  const t4 = k2 & 0xffff;
  const t5 = k2 >>> 16;
  const t6 = k3 & 0xffff;
  const t7 = k3 >>> 16;
  // r, clamped (RFC 8439 §2.5), in 13-bit limbs.
  r[0] = t0 & 0x1fff;
  r[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  r[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  r[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  r[4] = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  r[5] = (t4 >>> 1) & 0x1ffe;
  r[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  r[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  r[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  r[9] = (t7 >>> 5) & 0x007f;
  for (let i = 0; i < 4; i++) {
    const v = key[4 + i] as number;
    pad[2 * i] = v & 0xffff;
    pad[2 * i + 1] = v >>> 16;
  }
  h.fill(0);
}

/**
 * Absorbs the whole 16-byte blocks of m[start..end) (a multiple of 16 long), each with the
 * 2^128 bit set (`high` 0 for a bare MAC's last partial block, which carries its own 1).
 */
function polyBlocks(m: Uint8Array, start: number, end: number, high = 0x800): void {
  let h0 = h[0] as number, h1 = h[1] as number, h2 = h[2] as number, h3 = h[3] as number, h4 = h[4] as number;
  let h5 = h[5] as number, h6 = h[6] as number, h7 = h[7] as number, h8 = h[8] as number, h9 = h[9] as number;
  const r0 = r[0] as number, r1 = r[1] as number, r2 = r[2] as number, r3 = r[3] as number, r4 = r[4] as number;
  const r5 = r[5] as number, r6 = r[6] as number, r7 = r[7] as number, r8 = r[8] as number, r9 = r[9] as number;
  for (let p = start; p < end; p += 16) {
    const t0 = (m[p] as number) | ((m[p + 1] as number) << 8);
    const t1 = (m[p + 2] as number) | ((m[p + 3] as number) << 8);
    const t2 = (m[p + 4] as number) | ((m[p + 5] as number) << 8);
    const t3 = (m[p + 6] as number) | ((m[p + 7] as number) << 8);
    const t4 = (m[p + 8] as number) | ((m[p + 9] as number) << 8);
    const t5 = (m[p + 10] as number) | ((m[p + 11] as number) << 8);
    const t6 = (m[p + 12] as number) | ((m[p + 13] as number) << 8);
    const t7 = (m[p + 14] as number) | ((m[p + 15] as number) << 8);
    h0 += t0 & 0x1fff;
    h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
    h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
    h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
    h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
    h5 += (t4 >>> 1) & 0x1fff;
    h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
    h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
    h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
    h9 += (t7 >>> 5) | high; // 0x800 is bit 128: bit 11 of the limb at 117
    // h *= r (mod 2^130 - 5): limb products under 2^53, carried as tweetnacl does.
    let c = 0;
    let d0 = c + h0 * r0 + h1 * (5 * r9) + h2 * (5 * r8) + h3 * (5 * r7) + h4 * (5 * r6);
    c = d0 >>> 13; d0 &= 0x1fff;
    d0 += h5 * (5 * r5) + h6 * (5 * r4) + h7 * (5 * r3) + h8 * (5 * r2) + h9 * (5 * r1);
    c += d0 >>> 13; d0 &= 0x1fff;
    let d1 = c + h0 * r1 + h1 * r0 + h2 * (5 * r9) + h3 * (5 * r8) + h4 * (5 * r7);
    c = d1 >>> 13; d1 &= 0x1fff;
    d1 += h5 * (5 * r6) + h6 * (5 * r5) + h7 * (5 * r4) + h8 * (5 * r3) + h9 * (5 * r2);
    c += d1 >>> 13; d1 &= 0x1fff;
    let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * (5 * r9) + h4 * (5 * r8);
    c = d2 >>> 13; d2 &= 0x1fff;
    d2 += h5 * (5 * r7) + h6 * (5 * r6) + h7 * (5 * r5) + h8 * (5 * r4) + h9 * (5 * r3);
    c += d2 >>> 13; d2 &= 0x1fff;
    let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * (5 * r9);
    c = d3 >>> 13; d3 &= 0x1fff;
    d3 += h5 * (5 * r8) + h6 * (5 * r7) + h7 * (5 * r6) + h8 * (5 * r5) + h9 * (5 * r4);
    c += d3 >>> 13; d3 &= 0x1fff;
    let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    c = d4 >>> 13; d4 &= 0x1fff;
    d4 += h5 * (5 * r9) + h6 * (5 * r8) + h7 * (5 * r7) + h8 * (5 * r6) + h9 * (5 * r5);
    c += d4 >>> 13; d4 &= 0x1fff;
    let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
    c = d5 >>> 13; d5 &= 0x1fff;
    d5 += h5 * r0 + h6 * (5 * r9) + h7 * (5 * r8) + h8 * (5 * r7) + h9 * (5 * r6);
    c += d5 >>> 13; d5 &= 0x1fff;
    let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
    c = d6 >>> 13; d6 &= 0x1fff;
    d6 += h5 * r1 + h6 * r0 + h7 * (5 * r9) + h8 * (5 * r8) + h9 * (5 * r7);
    c += d6 >>> 13; d6 &= 0x1fff;
    let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
    c = d7 >>> 13; d7 &= 0x1fff;
    d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * (5 * r9) + h9 * (5 * r8);
    c += d7 >>> 13; d7 &= 0x1fff;
    let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
    c = d8 >>> 13; d8 &= 0x1fff;
    d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * (5 * r9);
    c += d8 >>> 13; d8 &= 0x1fff;
    let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
    c = d9 >>> 13; d9 &= 0x1fff;
    d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c += d9 >>> 13; d9 &= 0x1fff;
    c = ((c << 2) + c) | 0;
    c = (c + d0) | 0;
    d0 = c & 0x1fff;
    c = c >>> 13;
    d1 += c;
    h0 = d0; h1 = d1; h2 = d2; h3 = d3; h4 = d4; h5 = d5; h6 = d6; h7 = d7; h8 = d8; h9 = d9;
  }
  h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7; h[8] = h8; h[9] = h9;
}

/** Absorbs m[start..end), zero-padded to a multiple of 16 (RFC 8439 §2.8's pad16). */
function polyPadded(m: Uint8Array, start: number, end: number): void {
  const whole = start + ((end - start) & ~15);
  polyBlocks(m, start, whole);
  if (whole < end) {
    tail.fill(0);
    for (let i = whole; i < end; i++) tail[i - whole] = m[i] as number;
    polyBlocks(tail, 0, 16);
  }
}

/** Absorbs the two lengths and writes the tag into `computedTag`. */
function polyFinish(aadLength: number, textLength: number): void {
  lengths.fill(0);
  for (let i = 0, a = aadLength, t = textLength; i < 4; i++, a >>>= 8, t >>>= 8) {
    lengths[i] = a & 0xff;
    lengths[8 + i] = t & 0xff;
  }
  polyBlocks(lengths, 0, 16);
  polyReduce();
}

/** The tag of what was absorbed into `computedTag`: h mod p, plus s, mod 2^128 (tweetnacl's finish). */
function polyReduce(): void {
  let c = (h[1] as number) >>> 13;
  h[1] = (h[1] as number) & 0x1fff;
  for (let i = 2; i < 10; i++) {
    h[i] = (h[i] as number) + c;
    c = (h[i] as number) >>> 13;
    h[i] = (h[i] as number) & 0x1fff;
  }
  h[0] = (h[0] as number) + c * 5;
  c = (h[0]) >>> 13;
  h[0] = (h[0]) & 0x1fff;
  h[1] = (h[1]) + c;
  c = (h[1]) >>> 13;
  h[1] = (h[1]) & 0x1fff;
  h[2] = (h[2] as number) + c;
  // g = h + 5 - 2^130; keep h if that is negative, g if not: chosen by a mask.
  g[0] = (h[0]) + 5;
  c = (g[0]) >>> 13;
  g[0] = (g[0]) & 0x1fff;
  for (let i = 1; i < 10; i++) {
    g[i] = (h[i] as number) + c;
    c = (g[i] as number) >>> 13;
    g[i] = (g[i] as number) & 0x1fff;
  }
  g[9] = (g[9] as number) - (1 << 13);
  let mask = (c ^ 1) - 1;
  for (let i = 0; i < 10; i++) g[i] = (g[i] as number) & mask;
  mask = ~mask;
  for (let i = 0; i < 10; i++) h[i] = ((h[i] as number) & mask) | (g[i] as number);
  h[0] = ((h[0]) | ((h[1]) << 13)) & 0xffff;
  h[1] = (((h[1]) >>> 3) | ((h[2]) << 10)) & 0xffff;
  h[2] = (((h[2]) >>> 6) | ((h[3] as number) << 7)) & 0xffff;
  h[3] = (((h[3] as number) >>> 9) | ((h[4] as number) << 4)) & 0xffff;
  h[4] = (((h[4] as number) >>> 12) | ((h[5] as number) << 1) | ((h[6] as number) << 14)) & 0xffff;
  h[5] = (((h[6] as number) >>> 2) | ((h[7] as number) << 11)) & 0xffff;
  h[6] = (((h[7] as number) >>> 5) | ((h[8] as number) << 8)) & 0xffff;
  h[7] = (((h[8] as number) >>> 8) | ((h[9] as number) << 5)) & 0xffff;
  // + s, mod 2^128
  let f = (h[0]) + (pad[0] as number);
  h[0] = f & 0xffff;
  for (let i = 1; i < 8; i++) {
    f = ((((h[i] as number) + (pad[i] as number)) | 0) + (f >>> 16)) | 0;
    h[i] = f & 0xffff;
  }
  for (let i = 0; i < 8; i++) {
    computedTag[2 * i] = (h[i] as number) & 0xff;
    computedTag[2 * i + 1] = (h[i] as number) >>> 8;
  }
}


/** Poly1305 alone (RFC 8439 §2.5) of a message under a 32-byte one-time key: for tests and vectors. */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length !== KEY_BYTES) throw new TypeError(`key is invalid: give ${KEY_BYTES} bytes`);
  const words = new Int32Array(8);
  for (let i = 0; i < 8; i++) words[i] = word(key, 4 * i);
  polyStart(words);
  const whole = message.length & ~15;
  polyBlocks(message, 0, whole);
  if (whole < message.length) {
    // A last partial block gets a 1 byte after it instead of the 2^128 bit.
    tail.fill(0);
    tail.set(message.subarray(whole));
    tail[message.length - whole] = 1;
    polyBlocks(tail, 0, 16, 0);
  }
  polyReduce();
  return computedTag.slice();
}

/** One 256-bit key, its words read once. */
export class XChaCha20Poly1305 {
  private readonly key: Int32Array;
  /** The subkey of the nonce being used (HChaCha20). */
  private readonly subkey = new Int32Array(8);

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) throw new TypeError(`key is invalid: give ${KEY_BYTES} bytes`);
    this.key = new Int32Array(8);
    for (let i = 0; i < 8; i++) this.key[i] = word(key, 4 * i);
  }

  /**
   * Encrypts bytes[start..end) in place and writes the 16-byte tag right after them, at
   * bytes[end..end+16). The nonce is nonce[nonceAt..nonceAt+24), the associated data
   * aad[0..). Returns where the tag ends.
   */
  sealInPlace(nonce: Uint8Array, nonceAt: number, aad: Uint8Array, bytes: Uint8Array, start: number, end: number): number {
    this.begin(nonce, nonceAt);
    chachaXor(this.subkey, 0, this.n1, this.n2, 1, bytes, start, end);
    this.mac(aad, bytes, start, end);
    bytes.set(computedTag, end);
    return end + TAG_BYTES;
  }

  /**
   * Checks the tag at bytes[end-16..end) over the ciphertext bytes[start..end-16) and, if it
   * authenticates, decrypts that ciphertext in place. Returns whether it did; on false the
   * bytes are as they came.
   */
  openInPlace(nonce: Uint8Array, nonceAt: number, aad: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
    if (end - start < TAG_BYTES) return false;
    const textEnd = end - TAG_BYTES;
    this.begin(nonce, nonceAt);
    this.mac(aad, bytes, start, textEnd);
    let difference = 0;
    for (let i = 0; i < TAG_BYTES; i++) difference |= (computedTag[i] as number) ^ (bytes[textEnd + i] as number);
    if (difference !== 0) return false;
    chachaXor(this.subkey, 0, this.n1, this.n2, 1, bytes, start, textEnd);
    return true;
  }

  // ChaCha20's last two nonce words for the current nonce (the first is 0: XChaCha's).
  private n1 = 0;
  private n2 = 0;

  /** HChaCha20 of the nonce's first 16 bytes into the subkey; its last 8 become ChaCha20's nonce. */
  private begin(nonce: Uint8Array, at: number): void {
    if (at < 0 || at + NONCE_BYTES > nonce.length) throw new TypeError(`nonce is invalid: give ${NONCE_BYTES} bytes`);
    chachaBlock(this.key, word(nonce, at), word(nonce, at + 4), word(nonce, at + 8), word(nonce, at + 12), false);
    for (let i = 0; i < 8; i++) this.subkey[i] = block[i] as number; // no subarray: a view object a call
    this.n1 = word(nonce, at + 16);
    this.n2 = word(nonce, at + 20);
  }

  /** The tag of aad and ciphertext bytes[start..end) into `computedTag`; its one-time key is block 0 of the stream. */
  private mac(aad: Uint8Array, bytes: Uint8Array, start: number, end: number): void {
    chachaBlock(this.subkey, 0, 0, this.n1, this.n2, true);
    polyStart(block);
    polyPadded(aad, 0, aad.length);
    polyPadded(bytes, start, end);
    polyFinish(aad.length, end - start);
  }
}
