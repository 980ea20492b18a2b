/**
 * Flask's session cookie: `SecureCookieSessionInterface` with its
 * `URLSafeTimedSerializer` (itsdangerous/url_safe.py, serializer.py), byte for byte.
 *
 *     cookie  = payload "." timestamp "." signature
 *     payload = b64u(json)  |  "." b64u(zlib(json))    compressed when that is shorter by 2+
 *     json    = Flask's tagged JSON of the session dict
 */
import { deflate } from 'pako';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { zlibCompressedLength } from './deflate-size.js';
import { decodeAsciiBase64Url, decodeBase64Lenient, encodeBase64Url } from './base64.js';
import { BadPayload, BadSignature, err, ok, withStack, type Result } from './errors.js';
import { isPyDict, type PyDict } from './python-types.js';
import { StringMemo } from './memo.js';
import { TimestampSigner, toByteString, type Clock, type Secret } from './signer.js';
import { dumpTaggedJson, loadTaggedJson, TagError } from './tagged-json.js';

/** Flask's `PERMANENT_SESSION_LIFETIME`: 31 days, in seconds. */
export const DEFAULT_MAX_AGE = 31 * 24 * 60 * 60;
/** `SecureCookieSessionInterface.salt`. */
export const FLASK_SESSION_SALT = 'cookie-session';

export interface FlaskSessionCodecOptions {
  /** Flask's `SECRET_KEY`: text (UTF-8) or bytes. */
  readonly secret: Secret;
  /** Flask 3.1's `SECRET_KEY_FALLBACKS`: verify only, oldest first (the last is tried first). */
  readonly secretFallbacks?: readonly Secret[];
  /** Seconds a cookie stays valid after signing; Flask passes `PERMANENT_SESSION_LIFETIME`. */
  readonly maxAge?: number;
  readonly salt?: string;
  /** Milliseconds since the epoch; `Date.now` by default. */
  readonly clock?: Clock;
}

export interface DecodedSession<T extends PyDict = PyDict> {
  readonly data: T;
  /** Unix seconds when the cookie was signed. */
  readonly issuedAt: number;
  /** 0 when the current secret verified it, 1 + i for `secretFallbacks[i]`. */
  readonly secretIndex: number;
  /** The payload's JSON as the cookie holds it (Flask's tagged JSON). */
  readonly json: string;
}

/** A verified payload: the data read from it (frozen when remembered) and its JSON. */
interface ReadPayload {
  readonly data: Readonly<PyDict>;
  readonly json: string;
}

// Python decodes the payload as strict UTF-8 and keeps a BOM (which json.loads then refuses).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });


/** Reads and writes Flask session cookies for one secret (and its fallbacks). */
export class FlaskSessionCodec {
  readonly maxAge: number;
  private readonly signer: TimestampSigner;

  constructor(options: FlaskSessionCodecOptions) {
    const maxAge = options.maxAge ?? DEFAULT_MAX_AGE;
    if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new RangeError(`maxAge is invalid: ${String(maxAge)}`);
    this.maxAge = maxAge;
    this.signer = new TimestampSigner({
      secret: options.secret,
      secretFallbacks: options.secretFallbacks ?? [],
      salt: options.salt ?? FLASK_SESSION_SALT,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }

  /** The current time in whole Unix seconds, by this codec's clock. */
  now(): number {
    return this.signer.now();
  }

  /**
   * `URLSafeTimedSerializer.dumps(dict(session))`, signed at `timestamp` (Unix seconds,
   * by default the clock's current second).
   *
   * @throws TypeError for a value Flask's serializer could not write either.
   */
  encode(data: PyDict, timestamp = this.now()): string {
    return this.encodeJson(dumpTaggedJson(data), timestamp);
  }

  /** {@link encode} of a session already written as Flask's tagged JSON. */
  encodeJson(json: string, timestamp = this.now()): string {
    // Many sessions are written with the same data in the same second (every new
    // visitor's first one, say): keep the cookies by second and JSON.
    if (!this.encoded.active) return this.signer.sign(encodePayload(json), timestamp);
    const key = `${timestamp}.${json}`;
    let cookie = this.encoded.peek(key);
    if (cookie === undefined) {
      cookie = this.signer.sign(encodePayload(json), timestamp);
      this.encoded.put(key, cookie);
    }
    return cookie;
  }

  private readonly encoded = new StringMemo<string>('encodedCookies');

  /**
   * A cookie that {@link decode} accepted, signed again at `timestamp` with the same
   * data: its payload is kept as it came (Flask would write the same bytes for the same
   * JSON), so neither the JSON nor zlib's choice is made again. `json` is the cookie's,
   * for a payload that is not plain base64url.
   */
  renew(cookie: string, json: string, timestamp = this.now()): string {
    const stampAt = cookie.lastIndexOf('.', cookie.lastIndexOf('.') - 1);
    const payload = stampAt > 0 ? cookie.slice(0, stampAt) : '';
    return CANONICAL_PAYLOAD.test(payload) ? this.signer.sign(payload, timestamp) : this.encodeJson(json, timestamp);
  }

  /** Reads a cookie, never throwing: the verdicts of `URLSafeTimedSerializer.loads(value, max_age)`. */
  decode<T extends PyDict = PyDict>(cookie: string): Result<DecodedSession<T>> {
    // A cookie that verified before, with flat data, and still within its age: the same
    // verdict again. (The lookup compares the whole cookie; V8 compares the characters of
    // two strings only when their seeded hashes agree, so no time reveals a signature.)
    const known = this.verified.peek(cookie);
    if (known !== undefined) {
      const age = this.signer.now() - known.issuedAt;
      if (age >= 0 && age <= this.maxAge) return ok({ data: { ...known.data } as T, issuedAt: known.issuedAt, secretIndex: known.secretIndex, json: known.json });
    }
    if (cookie.length === 0) return err(new BadSignature('No "." found in value', 'empty'));
    const unsigned = this.signer.unsign(cookie, this.maxAge);
    if (!unsigned.ok) return unsigned;
    const { value, timestamp, secretIndex } = unsigned.value;
    // Only a payload whose signature just verified reaches the memos (and the inflater).
    let flat = flatMemo.peek(value);
    if (flat === undefined) {
      const read = readPayload(value);
      if (!read.ok) return read;
      const { value: data, json } = read.value;
      if (!isPyDict(data)) return err(new BadPayload('The session is not a dict', 'payload-not-dict'));
      // Only small flat sessions are remembered: bounded by what they hold, not by the cookie.
      if (json.length > MEMO_JSON_LENGTH || !isFlatDict(data)) return ok({ data: data as T, issuedAt: timestamp, secretIndex, json });
      flatMemo.put(value, (flat = { data: Object.freeze(data), json }));
    }
    this.verified.put(cookie, { ...flat, issuedAt: timestamp, secretIndex });
    return ok({ data: { ...flat.data } as T, issuedAt: timestamp, secretIndex, json: flat.json });
  }

  private readonly verified = new StringMemo<ReadPayload & { readonly issuedAt: number; readonly secretIndex: number }>('verifiedCookies');

  /** As {@link decode}, throwing the {@link BadData} subclass instead. */
  decodeOrThrow<T extends PyDict = PyDict>(cookie: string): DecodedSession<T> {
    const result = this.decode<T>(cookie);
    // Only the method's identity: the stack starts at its caller.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    if (!result.ok) throw withStack(result.error, this.decodeOrThrow);
    return result.value;
  }
}

// pako's one-call deflate() sets up a new stream (about 256 KiB of tables) every time,
// which costs more than everything else in a cookie. Keep one stream and reset it, as
// zlib's deflateReset allows: the output is the same bytes as a fresh stream's.
interface PakoState {
  window_size: number;
  w_size: number;
  head: Uint16Array;
  max_lazy_match: number;
  good_match: number;
  nice_match: number;
  max_chain_length: number;
  strstart: number;
  block_start: number;
  lookahead: number;
  insert: number;
  match_length: number;
  prev_length: number;
  match_available: number;
  ins_h: number;
}
interface PakoStream {
  state: PakoState;
  input: Uint8Array;
  next_in: number;
  avail_in: number;
  output: Uint8Array;
  next_out: number;
  avail_out: number;
}
const require = createRequire(import.meta.url);
const pakoDeflate = require('pako/lib/zlib/deflate.js') as {
  deflateInit2(stream: PakoStream, level: number, method: number, windowBits: number, memLevel: number, strategy: number, legacyHash: boolean): number;
  deflateResetKeep(stream: PakoStream): number;
  deflate(stream: PakoStream, flush: number): number;
};
const PakoZStream = require('pako/lib/zlib/zstream.js') as new () => PakoStream;
const Z_FINISH = 4;
const Z_STREAM_END = 1;
let sharedStream: PakoStream | undefined;

/**
 * pako's deflateReset(): deflateResetKeep(), then lm_init() — whose clearing of the
 * 32768-entry hash table is a JavaScript loop, most of the cost of a small cookie. The
 * same steps here, with a native fill. Level 6's parameters are zlib's
 * configuration_table[6] (8, 16, 128, 128); pako is pinned to 2.2.0, and the
 * byte-for-byte tests against Python's zlib guard this.
 */
function resetStream(stream: PakoStream): void {
  pakoDeflate.deflateResetKeep(stream);
  const s = stream.state;
  s.window_size = 2 * s.w_size;
  s.head.fill(0);
  s.good_match = 8;
  s.max_lazy_match = 16;
  s.nice_match = 128;
  s.max_chain_length = 128;
  s.strstart = 0;
  s.block_start = 0;
  s.lookahead = 0;
  s.insert = 0;
  s.match_length = s.prev_length = 2; // MIN_MATCH - 1
  s.match_available = 0;
  s.ins_h = 0;
}

/** Python's `zlib.compress(data)`: level 6, zlib wrapper, 32 KiB window, memLevel 8. */
export function zlibCompress(bytes: Uint8Array): Uint8Array {
  if (sharedStream === undefined) {
    sharedStream = new PakoZStream();
    pakoDeflate.deflateInit2(sharedStream, 6, 8, 15, 8, 0, true);
  } else {
    resetStream(sharedStream);
  }
  const stream = sharedStream;
  const output = new Uint8Array(bytes.length + (bytes.length >> 10) + 64); // more than deflateBound
  stream.input = bytes;
  stream.next_in = 0;
  stream.avail_in = bytes.length;
  stream.output = output;
  stream.next_out = 0;
  stream.avail_out = output.length;
  if (pakoDeflate.deflate(stream, Z_FINISH) !== Z_STREAM_END) {
    sharedStream = undefined; // start afresh next time; this once, the one-call way
    return deflate(bytes);
  }
  return output.subarray(0, stream.next_out);
}

// Setting up a deflate stream costs far more than signing, and most responses re-send
// a session whose JSON was just written: remember the last payloads, first in first out.
const payloadMemo = new StringMemo<string>('payloads');

/** `URLSafeSerializerMixin.dump_payload`: zlib (as Python's, via pako) only when it saves 2+ bytes. */
export function encodePayload(json: string): string {
  return payloadMemo.get(json, computePayload);
}

function computePayload(json: string): string {
  const bytes = Buffer.from(json, 'latin1'); // ASCII: the JSON is written with ensure_ascii
  // Most sessions do not shrink: learn that from zlib's length alone, and make the bytes only when they are sent.
  const length = zlibCompressedLength(bytes);
  if (length !== undefined && length >= bytes.length - 1) return encodeBase64Url(bytes);
  const compressed = zlibCompress(bytes);
  return compressed.length < bytes.length - 1 ? '.' + encodeBase64Url(compressed) : encodeBase64Url(bytes);
}

/** A payload as dump_payload writes it: base64url without padding, after a "." when compressed. */
const CANONICAL_PAYLOAD = /^\.?[A-Za-z0-9_-]+$/;

// Most sessions are a flat dict of strings and numbers, and the same cookie comes back
// many times: keep those read results (frozen), and hand out copies.
const flatMemo = new StringMemo<ReadPayload>('flatPayloads');
/** The longest JSON a remembered session may have, so that a memo's memory follows what it holds. */
const MEMO_JSON_LENGTH = 4096;

/**
 * The most bytes a compressed payload may inflate to. A cookie of 4 KB can hold a zlib
 * stream of 4 MB (zlib's ratio is about 1000:1); Flask inflates it all. A real session
 * that fits a cookie holds far less, so more is refused before it is built.
 */
export const MAX_INFLATED_PAYLOAD = 64 * 1024;

const isFlatDict = (value: unknown): value is PyDict =>
  isPyDict(value) && Object.values(value).every((item) => item === null || (typeof item !== 'object' && typeof item !== 'bigint'));

/** `URLSafeSerializerMixin.load_payload`, then Flask's tagged JSON, as a result. */
export function decodePayload(payload: string): Result<unknown> {
  const read = readPayload(payload);
  return read.ok ? ok(read.value.value) : read;
}

/** {@link decodePayload}, with the JSON it read. */
function readPayload(payload: string): Result<{ readonly value: unknown; readonly json: string }> {
  const compressed = payload.startsWith('.');
  // Most payloads: not compressed, and base64 of ASCII JSON.
  const ascii = compressed ? undefined : decodeAsciiBase64Url(payload);
  if (ascii !== undefined) return loadJson(ascii);
  const bytes = decodeBase64Lenient(toByteString(compressed ? payload.slice(1) : payload), 'url-safe', true);
  if (bytes === undefined) return err(new BadPayload('Could not base64 decode the payload because of an exception', 'payload-base64'));
  let json: Uint8Array = bytes;
  if (compressed) {
    try {
      json = inflateSync(bytes, { maxOutputLength: MAX_INFLATED_PAYLOAD });
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        return err(new BadPayload(`The payload inflates to more than ${MAX_INFLATED_PAYLOAD} bytes, more than any session cookie holds`, 'payload-too-large', cause));
      }
      return err(new BadPayload('Could not zlib decompress the payload before decoding the payload', 'payload-inflate', cause));
    }
  }
  let text: string;
  try {
    text = UTF8.decode(json);
  } catch (cause) {
    return err(new BadPayload('Could not load the payload because of an exception: invalid UTF-8', 'payload-utf8', cause));
  }
  return loadJson(text);
}

/** Flask's tagged JSON of a payload's text, as a result. */
function loadJson(text: string): Result<{ readonly value: unknown; readonly json: string }> {
  try {
    return ok({ value: loadTaggedJson(text), json: text });
  } catch (cause) {
    // Python turns any exception here into BadPayload; a RangeError from JSON nested too
    // deep for the stack is Python's RecursionError.
    const message = cause instanceof Error ? cause.message : String(cause);
    const reason = cause instanceof TagError ? 'payload-tag' : 'payload-json';
    return err(new BadPayload(`Could not load the payload because of an exception: ${message}`, reason, cause));
  }
}
