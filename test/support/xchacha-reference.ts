/**
 * XChaCha20-Poly1305 made from node:crypto's parts, never from the code under test:
 * HChaCha20 (draft-irtf-cfrg-xchacha §2.2) is the ChaCha20 block's state after its rounds,
 * words 0-3 and 12-15. OpenSSL's `chacha20` cipher gives that block plus its starting state
 * (the keystream of 64 zero bytes, the IV being counter ‖ nonce as the 16 bytes of the
 * input); subtracting the known starting words leaves the rounds' output. The AEAD is then
 * OpenSSL's `chacha20-poly1305` under that subkey, with the nonce 0x00000000 ‖ nonce[16..24].
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

export function referenceHChaCha20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const keystream = createCipheriv('chacha20', key, nonce16).update(Buffer.alloc(64));
  const input = Buffer.from(nonce16);
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) {
    out.writeUInt32LE((keystream.readUInt32LE(4 * i) - (SIGMA[i] as number)) >>> 0, 4 * i);
    out.writeUInt32LE((keystream.readUInt32LE(48 + 4 * i) - input.readUInt32LE(4 * i)) >>> 0, 16 + 4 * i);
  }
  return out;
}

const innerNonce = (nonce24: Uint8Array): Buffer => Buffer.concat([Buffer.alloc(4), Buffer.from(nonce24.subarray(16, 24))]);

/** ciphertext ‖ tag. */
export function referenceXChaChaSeal(key: Uint8Array, nonce24: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', referenceHChaCha20(key, nonce24.subarray(0, 16)), innerNonce(nonce24), { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext of ciphertext ‖ tag; throws if it does not authenticate. */
export function referenceXChaChaOpen(key: Uint8Array, nonce24: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv('chacha20-poly1305', referenceHChaCha20(key, nonce24.subarray(0, 16)), innerNonce(nonce24), { authTagLength: 16 });
  decipher.setAAD(aad, { plaintextLength: sealed.length - 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}
