/**
 * Typed errors for reading untrusted tokens, in itsdangerous's hierarchy
 * (itsdangerous/exc.py):
 *
 *     BadData
 *     ├── BadSignature            the signature does not match, or there is none
 *     │   └── BadTimeSignature    ...or the timestamp is missing or malformed
 *     │       └── SignatureExpired  the timestamp is too old, or in the future
 *     └── BadPayload              signed correctly, but the content cannot be loaded
 *
 * Each carries a `reason` code for logs and programs, so nobody has to parse messages.
 */

export type BadDataReason =
  | 'empty'
  | 'no-separator'
  | 'signature-mismatch'
  | 'timestamp-missing'
  | 'timestamp-malformed'
  | 'expired'
  | 'future'
  | 'payload-base64'
  | 'payload-inflate'
  | 'payload-too-large'
  | 'payload-utf8'
  | 'payload-json'
  | 'payload-tag'
  | 'payload-not-dict'
  // the sealed format
  | 'malformed'
  | 'unsupported-version'
  | 'unknown-key'
  | 'decrypt-failed'
  // session rules on top of a valid token
  | 'idle-timeout'
  | 'absolute-timeout'
  | 'schema'
  // server-side sessions: a valid id the store does not have (it ended, or never was)
  | 'unknown-session'
  // revocation: the user's sessions were ended everywhere after this one began
  | 'revoked';

export class BadData extends Error {
  override name = 'BadData';
  constructor(
    message: string,
    readonly reason: BadDataReason,
  ) {
    // A verdict on untrusted data, not a fault of the code, and returned far more often than
    // thrown: a stack trace would cost more than reading the token did (a rejected cookie took
    // 21 CPU µs with one, 3 without: bench/rejected-cookies.mjs). The `…OrThrow` helpers give
    // the error they throw its stack there ({@link withStack}).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** The error, given the stack of where it is about to be thrown (above `thrower`). */
export function withStack<E extends Error>(error: E, thrower: (...args: never[]) => unknown): E {
  Error.captureStackTrace(error, thrower);
  return error;
}

export class BadSignature extends BadData {
  override name = 'BadSignature';
  constructor(
    message: string,
    reason: BadDataReason,
    /** The part before the signature, when there is one. Not to be trusted. */
    readonly payload?: string,
  ) {
    super(message, reason);
  }
}

export class BadTimeSignature extends BadSignature {
  override name = 'BadTimeSignature';
  constructor(
    message: string,
    reason: BadDataReason,
    payload?: string,
    /** When the token says it was signed (Unix seconds), if that could be read. */
    readonly signedAt?: number,
  ) {
    super(message, reason, payload);
  }
}

export class SignatureExpired extends BadTimeSignature {
  override name = 'SignatureExpired';
}

export class BadPayload extends BadData {
  override name = 'BadPayload';
  constructor(
    message: string,
    reason: BadDataReason,
    override readonly cause?: unknown,
  ) {
    super(message, reason);
  }
}

/**
 * A cookie that would be larger than browsers keep: they drop it without a word, and
 * the user loses the session. Raised instead of sending it.
 */
export class CookieTooLarge extends Error {
  override readonly name = 'CookieTooLarge';
  constructor(
    readonly cookieName: string,
    /** The Set-Cookie header value's length in bytes: name, value and attributes. */
    readonly size: number,
    readonly limit: number,
  ) {
    super(`The ${cookieName} cookie would be ${size} bytes with its attributes, over the ${limit}-byte limit browsers keep`);
  }
}

/** What a non-throwing reader returns. */
export type Result<T, E extends Error = BadData> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });
export const err = <E extends Error>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error });

/**
 * The store did not answer in time, or could not be reached: the request that needed it
 * is answered 503 (`statusCode`, which Fastify and Express read), never left hanging.
 */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
  readonly statusCode = 503;
  readonly status = 503;
}
