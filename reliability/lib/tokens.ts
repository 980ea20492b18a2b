/**
 * Session tokens for the attack: validly signed ones (the lesson key is public), made
 * by the real Flask where that is practical and by the project's own signer otherwise,
 * near-valid ones, sealed ones (with the documented layout, node:crypto only), and
 * compression bombs: a small cookie whose payload inflates to megabytes.
 */
import { deflateSync } from 'node:zlib';
import { FlaskSessionCodec, TimestampSigner, FLASK_SESSION_SALT, type PyDict } from 'signet-session';
import { flaskSign } from '../../test/support/flask-tools.js';
import { referenceKey, referenceSealPlaintext } from '../../test/support/sealed-reference.js';
import { LESSON_KEY } from './server.js';
import type { Rng } from './rng.js';

export const lessonCodec = new FlaskSessionCodec({ secret: LESSON_KEY });
export const lessonSigner = new TimestampSigner({ secret: LESSON_KEY, salt: FLASK_SESSION_SALT });
const otherSigner = new TimestampSigner({ secret: 'not the lesson key', salt: FLASK_SESSION_SALT });

export const now = (): number => Math.floor(Date.now() / 1000);

/** A Flask cookie for `data`, signed now with the lesson key (the project's codec). */
export function signedCookie(data: PyDict): string {
  return lessonCodec.encode(data);
}

/** itsdangerous's signature over an arbitrary payload segment (b64u JSON, or "." b64u zlib). */
export function signPayload(payload: string, timestamp = now()): string {
  return lessonSigner.sign(payload, timestamp);
}

/** The same payload signed with a key the server does not have. */
export function signPayloadWrongKey(payload: string, timestamp = now()): string {
  return otherSigner.sign(payload, timestamp);
}

/** The payload segment of JSON text: b64u, or "." b64u(zlib) as itsdangerous writes a compressed one. */
export function payloadOf(json: string | Buffer, compress: boolean): string {
  const bytes = typeof json === 'string' ? Buffer.from(json, 'utf8') : json;
  return compress ? '.' + deflateSync(bytes, { level: 9 }).toString('base64url') : bytes.toString('base64url');
}

export interface Bomb {
  readonly name: string;
  readonly cookie: string;
  /** Bytes the payload inflates to. */
  readonly inflated: number;
  readonly validSignature: boolean;
}

/**
 * Compression bombs, each under 12 KB as a cookie: JSON whose zlib is tiny next to it
 * (runs of one character, deep nesting, many keys, a date of spaces), validly signed
 * with the lesson key, and the same behind a wrong signature.
 */
export function compressionBombs(): Bomb[] {
  const bodies: Array<[string, () => Buffer]> = [
    ['a 1 MB string', () => Buffer.from(`{"a":"${'x'.repeat(1 << 20)}"}`)],
    ['a 5 MB string', () => Buffer.from(`{"a":"${'x'.repeat(5 << 20)}"}`)],
    ['an 8 MB string in hello', () => Buffer.from(`{"hello":"${'x'.repeat(8 << 20)}"}`)],
    ['a 4 MB list of zeros', () => Buffer.from(`{"a":[${'0,'.repeat(2 << 20)}0]}`)],
    ['1 MB of "[" (deep nesting)', () => Buffer.from(`{"a":${'['.repeat(1 << 20)}`)],
    ['999 nested lists, then 1 MB of spaces', () => Buffer.from(`{"a":${'['.repeat(999)}${' '.repeat(1 << 20)}${']'.repeat(999)}}`)],
    ['one key 700,000 times', () => Buffer.from(`{${'"k":0,'.repeat(700_000)}"k":0}`)],
    ['a date tag of 2 MB of spaces', () => Buffer.from(`{"hello":{" d":"1 ${' '.repeat(2 << 20)}x"}}`)],
    ['a UUID tag of 2 MB of braces', () => Buffer.from(`{"hello":{" u":"${'{'.repeat(2 << 20)}x"}}`)],
    ['a tuple tag of a 2 MB string', () => Buffer.from(`{"hello":{" t":"${'y'.repeat(2 << 20)}"}}`)],
    ['a bytes tag of 4 MB of base64', () => Buffer.from(`{"hello":{" b":"${'QUFB'.repeat(1 << 20)}"}}`)],
    ['2 MB of \\u escapes', () => Buffer.from(`{"a":"${'\\u0041'.repeat(350_000)}"}`)],
    ['a 4300-digit int, 1,000 times', () => Buffer.from(`{"a":[${Array.from({ length: 1000 }, () => '7'.repeat(4300)).join(',')}]}`)],
  ];
  const bombs: Bomb[] = [];
  for (const [name, make] of bodies) {
    const json = make();
    const payload = payloadOf(json, true);
    bombs.push({ name, cookie: signPayload(payload), inflated: json.length, validSignature: true });
    bombs.push({ name: `${name}, wrong signature`, cookie: signPayloadWrongKey(payload), inflated: json.length, validSignature: false });
  }
  return bombs;
}

/** Sessions as Flask's tagged JSON text, for Flask itself to sign: every tag, odd values, odd shapes. */
export const FLASK_SESSIONS: readonly string[] = [
  '{"hello":"World","goodnight":"Moon"}',
  '{}',
  '{"hello":""}',
  '{"hello":null,"goodnight":false}',
  '{"hello":0}',
  '{"hello":"caf\\u00e9 \\ud83c\\udf6a"}',
  '{"hello":"\\ud800"}',
  '{"hello":"\\u0000\\n\\t\\"\\\\"}',
  '{"hello":12345678901234567890123456789}',
  '{"hello":-0.0}',
  '{"hello":1e308}',
  '{"hello":[1,2,[3,[4,{"a":null}]]]}',
  '{"hello":{" t":[1,"two",3.0]}}',
  '{"hello":{" b":"aGVsbG8gd29ybGQ="}}',
  '{"goodnight":{" b":""}}',
  '{"hello":{" m":"<b>bold</b>"}}',
  '{"hello":{" u":"12345678123456781234567812345678"}}',
  '{"hello":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}}',
  '{"hello":{" di":{" t__":[1]}}}',
  '{"hello":{"nested":{"deeper":{"deepest":[true,false,null]}}}}',
  '{"_permanent":true,"hello":"World"}',
  '{"_flashes":[{" t":["message","hi"]}],"hello":"x"}',
  '{"_created":1,"hello":"World"}',
  '{"\\u00fc\\u00f1\\u00ee":"key","hello":"World"}',
  '{"1":"one","0":"zero","hello":"World"}',
  '[1,2,3]',
  '"just a string"',
  '42',
  `{"hello":"${'w'.repeat(3000)}"}`,
  `{"hello":${'['.repeat(150)}${']'.repeat(150)}}`,
];

/** A session Flask itself compresses into a bomb: 3 MB of JSON in a 4 KB cookie. */
export const FLASK_BOMB_SESSION = `{"a":"${'x'.repeat(3_000_000)}"}`;

/**
 * Those sessions signed by the real Flask (Debian's python3-flask) with the lesson key,
 * at the current second, and the bomb Flask makes of {@link FLASK_BOMB_SESSION}.
 */
export function flaskMadeCookies(): { cookies: string[]; bomb: Bomb } {
  const ts = now();
  const secret = { hex: LESSON_KEY.toString('hex') };
  const signed = flaskSign([...FLASK_SESSIONS, FLASK_BOMB_SESSION].map((tagged) => ({ secret, tagged, ts })));
  const bomb = signed.pop() ?? '';
  return { cookies: signed, bomb: { name: 'a 3 MB string, compressed and signed by Flask', cookie: bomb, inflated: FLASK_BOMB_SESSION.length, validSignature: true } };
}

const sealingKey = referenceKey(LESSON_KEY, 'session');

/** A sealed (S2) token for a plaintext, with the layout of src/core/sealed.ts's header, made with node:crypto. */
export function sealPlaintext(plaintext: string, nonce: Buffer, wrongKey = false): string {
  return referenceSealPlaintext(plaintext, wrongKey ? 'not the lesson key' : LESSON_KEY, 'session', nonce);
}

/** The same in the format before (S1, AES-256-GCM), which signet still opens: the first 12 bytes of the nonce. */
export function sealPlaintextVersion1(plaintext: string, nonce: Buffer): string {
  return referenceSealPlaintext(plaintext, LESSON_KEY, 'session', nonce.subarray(0, 12), 'S1');
}

/** A sealed session `[created, issued, expires, data]` valid now. */
export function sealedCookie(dataJson: string, nonce: Buffer, times?: { created: number; issued: number; expires: number }): string {
  const t = now();
  const { created, issued, expires } = times ?? { created: t - 60, issued: t, expires: t + 3600 };
  return sealPlaintext(`[${created},${issued},${expires},${dataJson}]`, nonce);
}

export const SEALED_KEY_ID = sealingKey.id;

/** A 24-byte nonce (the sealed format's) from the generator. */
export function nonceFrom(rng: Rng): Buffer {
  const nonce = Buffer.allocUnsafe(24);
  for (let i = 0; i < 24; i += 4) nonce.writeUInt32LE(Math.floor(rng.next() * 4294967296), i);
  return nonce;
}
