/**
 * Taking a session cookie apart for people: what it holds (readable without any key,
 * for Flask's signed format), when it was signed, and — given a key — which check
 * passes and which fails. Shared by the inspector page and the `signet` command line.
 */
import { SessionIds } from './session-id.js';
import { decodePayload, FLASK_SESSION_SALT, FlaskSessionCodec } from './flask-session.js';
import { floatRepr } from './python-json.js';
import { Float, Markup, Tuple, Uuid, type PyValue } from './python-types.js';
import { SealedCodec } from './sealed.js';
import { decodeTimestamp, Signer, type Clock, type Secret } from './signer.js';
import { httpDate } from './tagged-json.js';
import type { BadDataReason } from './errors.js';

export interface CheckResult {
  readonly name: 'format' | 'signature' | 'timestamp' | 'age' | 'payload';
  readonly ok: boolean;
  readonly detail: string;
}

export interface Inspection {
  /** `reference`: a server-side session's signed id (session-id.ts): the data is in the store. */
  readonly format: 'flask' | 'sealed' | 'reference' | 'unknown';
  readonly compressed: boolean;
  /** The payload read without checking the signature; undefined when it cannot be read. */
  readonly payload?: PyValue;
  /** The payload as Python's repr would show it. */
  readonly python?: string;
  /** Why the payload cannot be read, when it cannot. */
  readonly payloadError?: string;
  /** Unix seconds, as the cookie claims (unverified unless `verified`). */
  readonly signedAt?: number;
  readonly signature?: string;
  /** Present when a key was given: the verdict of the full check. */
  readonly verified?: boolean;
  readonly failure?: BadDataReason;
  readonly checks: readonly CheckResult[];
}

export interface InspectOptions {
  /** The key to verify with; without it, the cookie is only read. */
  readonly secret?: Secret;
  /** Older keys that still verify, in Flask's order (SECRET_KEY_FALLBACKS: the last is tried first). */
  readonly secretFallbacks?: readonly Secret[];
  /** The cookie name a sealed token is bound to (default "session"). */
  readonly cookieName?: string;
  /** Seconds a cookie stays valid (Flask's PERMANENT_SESSION_LIFETIME, 31 days). */
  readonly maxAge?: number;
  readonly clock?: Clock;
}

// Which check each reason of the full verification belongs to.
const CHECK_OF: Partial<Record<BadDataReason, CheckResult['name']>> = {
  empty: 'format',
  'no-separator': 'format',
  malformed: 'format',
  'unsupported-version': 'format',
  'signature-mismatch': 'signature',
  'unknown-key': 'signature',
  'decrypt-failed': 'signature',
  'timestamp-missing': 'timestamp',
  'timestamp-malformed': 'timestamp',
  expired: 'age',
  future: 'age',
};

export function inspectCookie(cookie: string, options: InspectOptions = {}): Inspection {
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  if (SealedCodec.claims(cookie)) {
    if (options.secret === undefined) {
      return { format: 'sealed', compressed: false, checks: [{ name: 'format', ok: true, detail: 'a sealed (encrypted) token: it cannot be read without the key' }] };
    }
    const opened = new SealedCodec({ secret: options.secret, secretFallbacks: options.secretFallbacks ?? [], cookieName: options.cookieName ?? 'session', ...clock }).open(cookie);
    if (!opened.ok) {
      const check = CHECK_OF[opened.error.reason] ?? 'payload';
      return { format: 'sealed', compressed: false, verified: false, failure: opened.error.reason, checks: [{ name: check, ok: false, detail: opened.error.message }] };
    }
    const { data, issuedAt } = opened.value;
    return { format: 'sealed', compressed: false, payload: data, python: pythonRepr(data), signedAt: issuedAt, verified: true, checks: [{ name: 'signature', ok: true, detail: 'decrypted and authenticated with the key' }] };
  }

  // A server-side session's id: family.secret.signature. No Flask cookie has this shape
  // (its timestamp segment is at most 11 characters, never 43).
  if (REFERENCE.test(cookie)) {
    const about = 'a server-side session id: a reference to data kept in the session store, not the data';
    if (options.secret === undefined) return { format: 'reference', compressed: false, checks: [{ name: 'format', ok: true, detail: `${about} (the signature is checked with the key)` }] };
    const read = new SessionIds({ secret: options.secret, secretFallbacks: options.secretFallbacks ?? [] }).read(cookie);
    return read.ok
      ? { format: 'reference', compressed: false, verified: true, checks: [{ name: 'format', ok: true, detail: about }, { name: 'signature', ok: true, detail: 'signed with the key: the store decides whether the session still exists' }] }
      : { format: 'reference', compressed: false, verified: false, failure: read.error.reason, checks: [{ name: 'format', ok: true, detail: about }, { name: 'signature', ok: false, detail: read.error.message }] };
  }

  // Flask's signed format: read each part as itsdangerous would, without the key.
  const checks: CheckResult[] = [];
  const parts = cookie.split('.');
  const compressed = cookie.startsWith('.');
  const signature = parts.length >= 3 ? parts[parts.length - 1] : undefined;
  const timestampText = parts.length >= 3 ? parts[parts.length - 2] : undefined;
  const payloadText = parts.length >= 3 ? parts.slice(0, -2).join('.') : undefined;
  const shape = parts.length >= 3 && (parts.length === 3 || (compressed && parts.length === 4));
  checks.push({ name: 'format', ok: shape, detail: shape ? `payload.timestamp.signature${compressed ? ', payload compressed with zlib' : ''}` : `expected payload.timestamp.signature, found ${parts.length} part(s)` });
  const signedAt = timestampText === undefined ? undefined : decodeTimestamp(timestampText);
  // With a key, the signature is checked first: a forged compressed payload is never
  // inflated (a 7 KB one can hold megabytes). Without one, reading is the point, and
  // the inflater's bound (MAX_INFLATED_PAYLOAD) caps the work.
  const codec = options.secret === undefined ? undefined : new FlaskSessionCodec({ secret: options.secret, secretFallbacks: options.secretFallbacks ?? [], ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }), ...clock });
  const verdict = codec?.decode(cookie);
  const signatureFailed = verdict !== undefined && !verdict.ok && SIGNATURE_STAGE.has(CHECK_OF[verdict.error.reason] ?? 'payload');
  let payload: PyValue | undefined;
  let payloadError: string | undefined;
  if (verdict?.ok === true) {
    payload = verdict.value.data;
  } else if (payloadText !== undefined && compressed && signatureFailed) {
    payloadError = 'not decompressed: the signature does not verify, and a forged compressed payload is not inflated';
  } else if (payloadText !== undefined) {
    const read = decodePayload(payloadText);
    if (read.ok) payload = read.value as PyValue;
    else payloadError = read.error.message;
  }
  const base = {
    format: shape ? ('flask' as const) : ('unknown' as const),
    compressed,
    ...(payload === undefined ? {} : { payload, python: pythonRepr(payload) }),
    ...(payloadError === undefined ? {} : { payloadError }),
    ...(signedAt === undefined ? {} : { signedAt }),
    ...(signature === undefined ? {} : { signature }),
  };
  if (codec === undefined) {
    if (signedAt !== undefined) checks.push({ name: 'timestamp', ok: true, detail: `claims to be signed at ${isoTime(signedAt)} (unverified)` });
    checks.push({ name: 'payload', ok: payload !== undefined, detail: payload === undefined ? (payloadError ?? 'no payload') : 'readable by anyone: the signed format is not encrypted' });
    return { ...base, checks };
  }
  if (verdict === undefined) return { ...base, checks }; // not reached: a codec gives a verdict
  let failed = verdict.ok ? undefined : (CHECK_OF[verdict.error.reason] ?? 'payload');
  // itsdangerous calls a timestamp past the year 9999 malformed before it says that the
  // signature fails: ask the signature on its own, so that no check passes that did not.
  if (failed === 'timestamp' && !new Signer({ secret: options.secret as Secret, secretFallbacks: options.secretFallbacks ?? [], salt: FLASK_SESSION_SALT }).unsign(cookie).ok) failed = 'signature';
  const order: CheckResult['name'][] = ['signature', 'timestamp', 'age', 'payload'];
  const failedAt = failed === undefined ? order.length : order.indexOf(failed);
  if (failed === 'format') {
    checks[0] = { name: 'format', ok: false, detail: verdict.ok ? '' : verdict.error.message };
  } else {
    for (const [i, name] of order.entries()) {
      if (i < failedAt) checks.push({ name, ok: true, detail: PASSED[name](codec.maxAge, signedAt) });
      else if (i === failedAt && !verdict.ok) checks.push({ name, ok: false, detail: name === 'signature' && verdict.error.reason === 'timestamp-malformed' ? 'Signature does not match (and the timestamp is malformed)' : verdict.error.message });
    }
  }
  return { ...base, verified: verdict.ok, ...(verdict.ok ? {} : { failure: verdict.error.reason }), checks };
}

/** A session id cookie's shape: 8-character family, 43-character secret, 27-character signature. */
const REFERENCE = /^[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{27}$/;

// The checks before the signature is known to be good.
const SIGNATURE_STAGE: ReadonlySet<CheckResult['name']> = new Set(['format', 'signature', 'timestamp']);

const PASSED: Record<CheckResult['name'], (maxAge: number, signedAt: number | undefined) => string> = {
  format: () => 'payload.timestamp.signature',
  signature: () => 'HMAC-SHA1 matches: signed with this key, unchanged since',
  timestamp: (_maxAge, signedAt) => `signed at ${signedAt === undefined ? '?' : isoTime(signedAt)}`,
  age: (maxAge) => `younger than the ${maxAge}-second limit, not in the future`,
  payload: () => "Flask's tagged JSON, a dict",
};

/**
 * A value as plain JSON for programs (`signet decode --json`): what JSON holds exactly
 * stays as it is; anything else becomes `{"$type": <Python type>, "value": <text>}`
 * (a float with a whole value, NaN, a big int, a tuple, bytes in base64...).
 */
export function toJsonView(value: PyValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return value;
    return Number.isFinite(value) && !Number.isInteger(value) ? value : { $type: 'float', value: floatText(value) };
  }
  if (typeof value === 'bigint') return { $type: 'int', value: value.toString() };
  if (value instanceof Float) return { $type: 'float', value: floatText(value.value) };
  if (value instanceof Tuple) return { $type: 'tuple', value: value.items.map(toJsonView) };
  if (value instanceof Markup) return { $type: 'Markup', value: value.value };
  if (value instanceof Uuid) return { $type: 'UUID', value: value.toString() };
  if (value instanceof Date) return { $type: 'datetime', value: value.toISOString() };
  if (value instanceof Uint8Array) return { $type: 'bytes', value: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return (value as readonly PyValue[]).map(toJsonView);
  const view: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) Object.defineProperty(view, key, { value: toJsonView(item), enumerable: true, writable: true, configurable: true });
  return view;
}

/** A value as Python's `repr` would show it (for display: strings are shown simply). */
export function pythonRepr(value: PyValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : floatText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pyString(value);
  if (value instanceof Float) return floatText(value.value);
  if (value instanceof Tuple) return value.items.length === 1 ? `(${pythonRepr(value.items[0] as PyValue)},)` : `(${value.items.map(pythonRepr).join(', ')})`;
  if (value instanceof Markup) return `Markup(${pyString(value.value)})`;
  if (value instanceof Uuid) return `UUID('${value.toString()}')`;
  if (value instanceof Date) return `datetime.datetime(${dateFields(value)}, tzinfo=datetime.timezone.utc)`;
  if (value instanceof Uint8Array) return `b'${Array.from(value, byteText).join('')}'`;
  if (Array.isArray(value)) return `[${(value as readonly PyValue[]).map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pythonRepr(v)}`).join(', ')}}`;
}

function floatText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return floatRepr(x);
}

function pyString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (char === quote || char === '\\') out += '\\' + char;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out + quote;
}

function byteText(byte: number): string {
  if (byte === 0x5c) return '\\\\';
  if (byte === 0x27) return "\\'";
  if (byte === 0x0a) return '\\n';
  if (byte === 0x0d) return '\\r';
  if (byte === 0x09) return '\\t';
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}

function dateFields(date: Date): string {
  const fields = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  // datetime.__repr__ drops a zero microsecond, then a zero second; hour and minute stay.
  while (fields.length > 5 && fields[fields.length - 1] === 0) fields.pop();
  return fields.join(', ');
}

/** A Unix second in ISO 8601, or what it is when no date can hold it (a claimed timestamp can be anything). */
export function isoTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} seconds after 1970, later than any date` : date.toISOString();
}

/** The HTTP date of a Unix second, for display. */
export function describeTime(seconds: number): string {
  return httpDate(new Date(seconds * 1000));
}
