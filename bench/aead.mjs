// What sealing and opening one session token costs, by cipher: the sealed format's plaintext
// of the many-users session (113 bytes), to and from base64url as a cookie needs it.
// node bench/aead.mjs (CPU µs per operation, after a warm-up; one process, one core).
//   - node:crypto AES-256-GCM: the S1 format's cipher (a createCipheriv per token)
//   - node:crypto chacha20-poly1305: the same construction as ours, through OpenSSL
//   - @noble/ciphers xchacha20poly1305: the audited plain-JS library we did not take
//   - signet-session's XChaCha20-Poly1305 (core/xchacha20-poly1305.ts): the S2 format's
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { XChaCha20Poly1305 } from 'signet-session/core/xchacha20-poly1305';

const plaintext = '[1700000000,1700000000,1702592000,{"cart":["apple","item-12"],"goodnight":"Moon","hello":"World","user_id":1234}]';
const key = randomBytes(32);
const keyObject = createSecretKey(key);
const aad = Buffer.from('S2.abcdefgh', 'latin1');

// Nonces for all four from one pool, as core/sealed.ts draws them: a system call for each
// would cost more than some of the ciphers.
let pool = randomBytes(4096);
let used = 0;
function nonceOf(size) {
  if (used + size > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += size;
  return pool.subarray(used - size, used);
}

function openssl(cipherName, nonceBytes) {
  const seal = () => {
    const nonce = nonceOf(nonceBytes);
    const cipher = createCipheriv(cipherName, keyObject, nonce, { authTagLength: 16 });
    cipher.setAAD(aad);
    return Buffer.concat([nonce, cipher.update(plaintext, 'latin1'), cipher.final(), cipher.getAuthTag()]).toString('base64url');
  };
  const token = seal();
  const open = () => {
    const bytes = Buffer.from(token, 'base64url');
    const decipher = createDecipheriv(cipherName, keyObject, bytes.subarray(0, nonceBytes), { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(nonceBytes, bytes.length - 16)), decipher.final()]).toString('latin1');
  };
  return { seal, open };
}

function noble() {
  const seal = () => {
    const nonce = nonceOf(24);
    return Buffer.concat([nonce, xchacha20poly1305(key, nonce, aad).encrypt(Buffer.from(plaintext, 'latin1'))]).toString('base64url');
  };
  const token = seal();
  const open = () => {
    const bytes = Buffer.from(token, 'base64url');
    return Buffer.from(xchacha20poly1305(key, bytes.subarray(0, 24), aad).decrypt(bytes.subarray(24))).toString('latin1');
  };
  return { seal, open };
}

function ours() {
  const cipher = new XChaCha20Poly1305(key);
  const scratch = Buffer.allocUnsafeSlow(8192);
  // As core/sealed.ts does it: nonce, plaintext and tag in one scratch buffer, in place.
  const seal = () => {
    scratch.set(nonceOf(24), 0);
    const end = cipher.sealInPlace(scratch, 0, aad, scratch, 24, 24 + scratch.write(plaintext, 24, 'latin1'));
    return scratch.toString('base64url', 0, end);
  };
  const token = seal();
  const open = () => {
    const length = scratch.write(token, 0, 'base64url');
    if (!cipher.openInPlace(scratch, 0, aad, scratch, 24, length)) throw new Error('does not open');
    return scratch.toString('latin1', 24, length - 16);
  };
  return { seal, open };
}

function measure(operation) {
  for (let i = 0; i < 50_000; i++) operation();
  const count = 300_000;
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) operation();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

console.log('| cipher | seal µs | open µs |\n|---|---:|---:|');
for (const [name, { seal, open }] of [
  ['node:crypto AES-256-GCM (S1)', openssl('aes-256-gcm', 12)],
  ['node:crypto chacha20-poly1305', openssl('chacha20-poly1305', 12)],
  ['@noble/ciphers xchacha20poly1305', noble()],
  ["signet-session's XChaCha20-Poly1305 (S2)", ours()],
]) {
  if (open() !== plaintext) throw new Error(`${name} does not give the plaintext back`);
  console.log(`| ${name} | ${measure(seal).toFixed(2)} | ${measure(open).toFixed(2)} |`);
}
