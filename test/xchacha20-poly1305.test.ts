// The sealed format's cipher, XChaCha20-Poly1305 in plain code, held to the draft's test
// vectors and to the same construction made from node:crypto's chacha20 and
// chacha20-poly1305 (test/support/xchacha-reference.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { XChaCha20Poly1305, poly1305 } from 'signet-session/core/xchacha20-poly1305';
import { referenceHChaCha20, referenceXChaChaOpen, referenceXChaChaSeal } from './support/xchacha-reference.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Seals into a fresh buffer the way the codec does: plaintext in place, tag after it. */
function seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const bytes = Buffer.alloc(plaintext.length + 16);
  bytes.set(plaintext);
  const end = new XChaCha20Poly1305(key).sealInPlace(nonce, 0, aad, bytes, 0, plaintext.length);
  assert.equal(end, plaintext.length + 16);
  return bytes;
}

/** Opens ciphertext ‖ tag into a copy; undefined if it does not authenticate (and then the copy is untouched). */
function open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  const bytes = Buffer.from(sealed);
  const opened = new XChaCha20Poly1305(key).openInPlace(nonce, 0, aad, bytes, 0, bytes.length);
  if (!opened) {
    assert.deepEqual(bytes, Buffer.from(sealed), 'a refused token is left as it came');
    return undefined;
  }
  return bytes.subarray(0, bytes.length - 16);
}

/** Poly1305 by its definition (RFC 8439 §2.5), in BigInt: obviously right, and slow. */
function definitionPoly1305(key: Uint8Array, message: Uint8Array): Buffer {
  const littleEndian = (bytes: Uint8Array): bigint => bytes.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
  const r = littleEndian(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = littleEndian(key.subarray(16, 32));
  const p = (1n << 130n) - 5n;
  let accumulator = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const chunk = message.subarray(i, i + 16);
    accumulator = ((accumulator + littleEndian(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p;
  }
  let tag = (accumulator + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++, tag >>= 8n) out[i] = Number(tag & 0xffn);
  return out;
}

/** Bytes that are often 0xff or 0x00: the largest and smallest limbs, where carries go wrong. */
const edgyBytes = (length: { minLength?: number; maxLength: number }): fc.Arbitrary<Uint8Array> =>
  fc.array(fc.oneof(fc.constant(0xff), fc.constant(0), fc.integer({ min: 0, max: 255 })), length).map((bytes) => Uint8Array.from(bytes));

describe('Poly1305', () => {
  it("gives RFC 8439 §2.5.2's tag", () => {
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    assert.equal(Buffer.from(poly1305(key, Buffer.from('Cryptographic Forum Research Group'))).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
  });

  it('gives the tag of its definition for any key and message, most of all where every byte is 0xff or 0', () => {
    fc.assert(
      fc.property(edgyBytes({ minLength: 32, maxLength: 32 }), edgyBytes({ maxLength: 100 }), (key, message) => {
        assert.equal(Buffer.from(poly1305(key, message)).toString('hex'), definitionPoly1305(key, message).toString('hex'));
      }),
      { numRuns: 3000 },
    );
    const largest = Buffer.alloc(32, 0xff);
    for (let length = 0; length <= 64; length++) {
      const message = Buffer.alloc(length, 0xff);
      assert.equal(Buffer.from(poly1305(largest, message)).toString('hex'), definitionPoly1305(largest, message).toString('hex'), `${length} bytes of 0xff`);
    }
  });
});

describe('XChaCha20-Poly1305', () => {
  it('gives draft-irtf-cfrg-xchacha-03 §A.3.1 ciphertext and tag, and opens them', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const expected = hex(`
      bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
      731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
      2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
      21f9664c97637da9768812f615c68b13b52e
      c0875924c1c7987947deafd8780acf49`);
    assert.equal(seal(key, nonce, aad, plaintext).toString('hex'), expected.toString('hex'));
    assert.deepEqual(open(key, nonce, aad, expected), plaintext);
  });

  it("derives the draft's §2.2.1 HChaCha20 subkey in the reference it is compared with", () => {
    // The reference builds HChaCha20 from OpenSSL's chacha20; this pins that construction.
    const subkey = referenceHChaCha20(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'), hex('000000090000004a0000000031415927'));
    assert.equal(subkey.toString('hex'), '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
  });

  it('seals as node:crypto does, for any key, nonce, associated data and plaintext, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 600 }), (key, nonce, aad, plaintext) => {
        const ours = seal(key, nonce, aad, plaintext);
        assert.equal(ours.toString('hex'), referenceXChaChaSeal(key, nonce, aad, plaintext).toString('hex'));
        assert.deepEqual(open(key, nonce, aad, ours), Buffer.from(plaintext));
      }),
      { numRuns: 1500 },
    );
  });

  it('opens what node:crypto sealed, for every length from 0 to 300 bytes', () => {
    const key = randomBytes(32);
    for (let length = 0; length <= 300; length++) {
      const nonce = randomBytes(24);
      const aad = randomBytes(length % 37);
      const plaintext = randomBytes(length);
      assert.deepEqual(open(key, nonce, aad, referenceXChaChaSeal(key, nonce, aad, plaintext)), plaintext, `length ${length}`);
    }
  });

  it('refuses a token with any one bit changed, in the nonce, the associated data, the ciphertext or the tag, and a wrong key', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const aad = Buffer.from('S2.abcdefgh');
    const plaintext = Buffer.from('[1700000000,1700000000,1702592000,{"hello":"World"}]');
    const sealed = seal(key, nonce, aad, plaintext);
    for (const [name, bytes] of [['nonce', nonce], ['aad', aad], ['sealed', sealed]] as const) {
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const changed = Buffer.from(bytes);
        changed[bit >> 3] = (changed[bit >> 3] as number) ^ (1 << (bit & 7));
        const args = { nonce, aad, sealed, [name]: changed };
        assert.equal(open(key, args.nonce, args.aad, args.sealed), undefined, `${name}, bit ${bit}`);
      }
    }
    const otherKey = Buffer.from(key);
    otherKey[31] = (otherKey[31] as number) ^ 0x80;
    assert.equal(open(otherKey, nonce, aad, sealed), undefined);
    assert.equal(open(key, nonce, aad, sealed.subarray(0, 15)), undefined, 'shorter than a tag');
    assert.throws(() => referenceXChaChaOpen(key, nonce, Buffer.from('S2.abcdefgi'), sealed), 'the reference refuses it too');
  });

  it('works at an offset inside a larger buffer, leaving the bytes around it alone', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const aad = Buffer.from('header');
    const plaintext = randomBytes(90);
    const buffer = Buffer.alloc(200, 0xaa);
    nonce.copy(buffer, 3);
    plaintext.copy(buffer, 27);
    const codec = new XChaCha20Poly1305(key);
    assert.equal(codec.sealInPlace(buffer, 3, aad, buffer, 27, 117), 133);
    assert.equal(buffer.subarray(27, 133).toString('hex'), referenceXChaChaSeal(key, nonce, aad, plaintext).toString('hex'));
    assert.deepEqual([buffer[2], buffer[133], buffer[199]], [0xaa, 0xaa, 0xaa]);
    assert.equal(codec.openInPlace(buffer, 3, aad, buffer, 27, 133), true);
    assert.deepEqual(buffer.subarray(27, 117), plaintext);
  });

  it('refuses a key or nonce of the wrong size, naming it', () => {
    assert.throws(() => new XChaCha20Poly1305(new Uint8Array(31)), /^TypeError: key is invalid: give 32 bytes$/);
    const codec = new XChaCha20Poly1305(new Uint8Array(32));
    assert.throws(() => codec.sealInPlace(new Uint8Array(23), 0, new Uint8Array(0), new Uint8Array(16), 0, 0), /^TypeError: nonce is invalid: give 24 bytes$/);
  });
});
