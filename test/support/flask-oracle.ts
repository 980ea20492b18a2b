/**
 * A client for test/oracle/flask_oracle.py: the real Flask (Debian's python3-flask)
 * in a long-lived Python process, asked one JSON line at a time.
 *
 * Start it in a `before` hook and close it in `after`:
 *
 *     let oracle: FlaskOracle;
 *     before(async () => { oracle = await FlaskOracle.start(); });
 *     after(async () => { await oracle.close(); });
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Transport } from './transport.js';

/** Debian's interpreter, the one with Flask (the `python3` on PATH has none). */
export const PYTHON = '/usr/bin/python3';
/** Located from dist/test/support/ (compiled) or test/support/ alike: both are two levels below the repo. */
export const ORACLE_SCRIPT = fileURLToPath(new URL('../../../test/oracle/flask_oracle.py', import.meta.url));

/** How a test names a secret to Flask: bytes as hex, or text that Flask encodes as UTF-8 itself. */
export type OracleSecret = { readonly secret_hex: string } | { readonly secret_text: string };

/** The class name of what itsdangerous / Flask raised. */
export type PyErrorName = 'BadData' | 'BadSignature' | 'BadTimeSignature' | 'SignatureExpired' | 'BadPayload' | (string & {});

export interface PyErrorVerdict {
  readonly ok: false;
  readonly error: PyErrorName;
  /** Whether the exception is an itsdangerous BadData. */
  readonly bad_data: boolean;
  readonly message: string;
  /** The exception's `payload` (the part before the signature), as hex, when it has one. */
  readonly payload_hex?: string;
  /** A BadTimeSignature's `date_signed` in Unix seconds (null when it has none). */
  readonly date_signed?: number | null;
  /** A BadPayload's `original_error` class name (null when it has none). */
  readonly original_error?: string | null;
}

export type LoadResponse =
  | {
      readonly ok: true;
      readonly is_dict: boolean;
      readonly value?: Transport;
      readonly value_error?: string;
      readonly equal?: boolean;
    }
  | PyErrorVerdict;

export type OpenSessionResponse = { readonly ok: true; readonly session: Transport } | PyErrorVerdict;

export interface ShortVerdict {
  readonly ok: boolean;
  readonly error?: PyErrorName;
}

/** One step on Flask's session object (see op_session_script). */
export type SessionStep =
  | readonly ['get' | 'getitem' | 'contains' | 'pop' | 'del', string]
  | readonly ['len' | 'keys' | 'clear' | 'permanent_get']
  | readonly ['set', string, Transport]
  | readonly ['permanent_set', boolean];

export interface SessionScriptResponse {
  /** `session.accessed` and `session.modified` after each step. */
  readonly steps: readonly { readonly accessed: boolean; readonly modified: boolean }[];
  /** The Set-Cookie headers save_session wrote, in order. */
  readonly set_cookie: readonly string[];
  /** The Vary header, or null. */
  readonly vary: string | null;
  /** The session's data after the steps. */
  readonly session: Transport;
}

export interface TakeFlashesResponse {
  /** `(category, message)` pairs as get_flashed_messages returned them. */
  readonly messages: readonly (readonly [string, string])[];
  /** The session's data afterwards, and whether it was modified. */
  readonly session: Transport;
  readonly modified: boolean;
}

/** The versions of the packages the oracle's interpreter imports. */
export interface OracleVersions {
  readonly flask: string;
  readonly werkzeug: string;
  readonly itsdangerous: string;
  readonly markupsafe: string;
}

/** A step the view runs on `flask.session`, beyond the SessionStep ones. */
export type RequestStep =
  | SessionStep
  | readonly ['incr', string]
  | readonly ['setdefault', string, Transport]
  | readonly ['flash', Transport, string]
  | readonly ['take', boolean, readonly string[]]
  | readonly ['modified']
  | readonly ['set_modified', boolean]
  | readonly ['dict'];

export interface FlaskRequest {
  /** The second the request is handled at (signing, age checks, Expires). */
  readonly now: number;
  /** The session cookie's value to send, if any. */
  readonly cookie?: string;
  /** What the view does with `flask.session`; none: the view never touches it. */
  readonly steps?: readonly RequestStep[];
  /** What an after_request function does with it. */
  readonly after?: readonly RequestStep[];
  /** Values the view adds to its response's Vary before the session is saved. */
  readonly vary?: readonly string[];
}

export interface FlaskAnswer {
  readonly status?: number;
  readonly set_cookie?: readonly string[];
  readonly vary?: string | null;
  /** An exception that came out of the request (the app runs in testing mode). */
  readonly raised?: { readonly error: string; readonly message: string };
  readonly results: readonly Transport[];
  /** The exception that ended the view's steps, if any. */
  readonly error: { readonly error: string; readonly message: string } | null;
  readonly after_results: readonly Transport[];
  /** The flags save_session saw; null when it was not called (a null session). */
  readonly saved: { readonly accessed: boolean; readonly modified: boolean } | null;
  readonly warnings: readonly string[];
}

/** A Flask app for {@link FlaskOracle.requests}: its key (none for no key) and config. */
export interface FlaskAppSpec {
  readonly secret?: OracleSecret;
  readonly config?: Readonly<Record<string, unknown>>;
}

export type ItsUnsignResponse = { readonly ok: true; readonly value_hex: string; readonly timestamp?: number } | PyErrorVerdict;
export type SerLoadsResponse = { readonly ok: true; readonly value: Transport; readonly timestamp: number } | PyErrorVerdict;

interface Pending {
  readonly resolve: (value: Record<string, unknown>) => void;
  readonly reject: (reason: Error) => void;
  readonly request: string;
}

export class FlaskOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private exited: Error | undefined;

  private constructor(python: string) {
    this.child = spawn(python, [ORACLE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      this.receive(line);
    });
    this.child.on('error', (error) => {
      this.fail(error);
    });
    this.child.on('exit', (code, signal) => {
      this.fail(new Error(`Flask oracle exited (code ${String(code)}, signal ${String(signal)}): ${this.stderr}`));
    });
  }

  /** Starts the oracle (Debian's Flask 2.2 unless another interpreter is given) and waits until it answers. */
  static async start(options: { readonly python?: string } = {}): Promise<FlaskOracle> {
    const oracle = new FlaskOracle(options.python ?? PYTHON);
    await oracle.request('ping', {});
    return oracle;
  }

  /** Sends one request; resolves with the response object, rejects on an oracle error. */
  request(op: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    const id = this.nextId++;
    const line = JSON.stringify({ ...fields, op, id });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, request: line });
      this.child.stdin.write(line + '\n');
    });
  }

  private receive(line: string): void {
    const response = JSON.parse(line) as Record<string, unknown>;
    const id = response['id'];
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (pending === undefined) {
      this.fail(new Error(`Flask oracle sent an unexpected line: ${line}`));
      return;
    }
    this.pending.delete(id as number);
    const oracleError = response['oracle_error'];
    if (typeof oracleError === 'string') pending.reject(new Error(`Flask oracle failed on ${pending.request}:\n${oracleError}`));
    else pending.resolve(response);
  }

  private fail(error: Error): void {
    this.exited ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  /** Ends the Python process (closing its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => {
      this.child.once('exit', () => {
        resolve();
      });
    });
    this.child.stdin.end();
    const timer = setTimeout(() => {
      this.child.kill('SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
  }

  // -------------------------------------------------------------------------
  // Typed operations

  /** Flask's `save_session` serializer: the cookie for `value` signed at second `ts`. */
  async sign(secret: OracleSecret, value: Transport, ts: number): Promise<string> {
    const response = await this.request('sign', { ...secret, value, ts });
    return response['cookie'] as string;
  }

  /** `serializer.loads(cookie, max_age)` at second `now`; with `expect`, a strict type-aware comparison in Python. */
  async load(secret: OracleSecret, cookie: string, now: number, options: { maxAge?: number; expect?: Transport } = {}): Promise<LoadResponse> {
    const fields: Record<string, unknown> = { ...secret, cookie, now };
    if (options.maxAge !== undefined) fields['max_age'] = options.maxAge;
    if (options.expect !== undefined) fields['expect'] = options.expect;
    return (await this.request('load', fields)) as unknown as LoadResponse;
  }

  /** Only the verdicts of `load` for many cookies at once. */
  async loadMany(secret: OracleSecret, cookies: readonly string[], now: number, maxAge?: number): Promise<ShortVerdict[]> {
    const fields: Record<string, unknown> = { ...secret, cookies, now };
    if (maxAge !== undefined) fields['max_age'] = maxAge;
    const response = await this.request('load_many', fields);
    return response['verdicts'] as ShortVerdict[];
  }

  /** Flask's own `SecureCookieSessionInterface.open_session` for this cookie value. */
  async openSession(secret: OracleSecret, cookie: string, now: number): Promise<OpenSessionResponse> {
    return (await this.request('open_session', { ...secret, cookie, now })) as unknown as OpenSessionResponse;
  }

  /** The tagged JSON text Flask writes for a value. */
  async dumps(value: Transport): Promise<string> {
    const response = await this.request('dumps', { value });
    return response['json'] as string;
  }

  /**
   * Flask's session signer over `text`: timed (`text.ts.sig`, at second `ts`) or
   * plain (`text.sig`, for tokens whose timestamp part is written by hand).
   */
  async signerSign(secret: OracleSecret, text: string, options: { timed: true; ts: number } | { timed: false }): Promise<string> {
    const response = await this.request('signer_sign', { ...secret, text, ...options });
    return response['token'] as string;
  }

  /**
   * Flask's own session object: `open_session` (with `cookie`, or none) at second `now`,
   * the steps in order, then `save_session`. `config` sets Flask config keys
   * (SESSION_COOKIE_*, SESSION_REFRESH_EACH_REQUEST, PERMANENT_SESSION_LIFETIME in seconds)
   * on a fresh app. Answers each step's flags and the response's Set-Cookie and Vary.
   */
  async sessionScript(
    secret: OracleSecret,
    options: { readonly cookie?: string; readonly now: number; readonly steps: readonly SessionStep[]; readonly config?: Readonly<Record<string, unknown>> },
  ): Promise<SessionScriptResponse> {
    const fields: Record<string, unknown> = { ...secret, now: options.now, steps: options.steps };
    if (options.cookie !== undefined) fields['cookie'] = options.cookie;
    if (options.config !== undefined) fields['config'] = options.config;
    return (await this.request('session_script', fields)) as unknown as SessionScriptResponse;
  }

  /** Flask's `get_flashed_messages(with_categories=True, category_filter)` in a request with this session cookie. */
  async takeFlashes(secret: OracleSecret, cookie: string, now: number, categoryFilter: readonly string[] = []): Promise<TakeFlashesResponse> {
    return (await this.request('take_flashes', { ...secret, cookie, now, category_filter: categoryFilter })) as unknown as TakeFlashesResponse;
  }

  /** The Flask, Werkzeug, itsdangerous and MarkupSafe versions this oracle runs. */
  async versions(): Promise<OracleVersions> {
    return (await this.request('versions', {})) as unknown as OracleVersions;
  }

  /** Requests through a fresh Flask app's test client (see op_requests), one answer each. */
  async requests(app: FlaskAppSpec, requests: readonly FlaskRequest[]): Promise<FlaskAnswer[]> {
    const fields: Record<string, unknown> = { ...(app.secret ?? {}), config: app.config ?? {}, requests };
    return (await this.request('requests', fields)).answers as FlaskAnswer[];
  }

  /**
   * itsdangerous's Signer (or TimestampSigner, at second `ts`) with Flask's settings
   * (hmac derivation, SHA-1) over keys given oldest first, signing with the last.
   */
  async itsSign(spec: { readonly secretKeys: readonly string[]; readonly salt: string; readonly timed: boolean; readonly ts?: number }, value: string): Promise<string> {
    const response = await this.request('its_sign', { secret_keys: spec.secretKeys, salt: spec.salt, timed: spec.timed, ts: spec.ts ?? 0, value });
    return response['token'] as string;
  }

  /** `unsign(token, max_age, return_timestamp=True)` at second `now` (timed), or the plain `unsign`. */
  async itsUnsign(
    spec: { readonly secretKeys: readonly string[]; readonly salt: string; readonly timed: boolean },
    token: string,
    options: { readonly now?: number; readonly maxAge?: number } = {},
  ): Promise<ItsUnsignResponse> {
    const fields: Record<string, unknown> = { secret_keys: spec.secretKeys, salt: spec.salt, timed: spec.timed, token, now: options.now ?? 0 };
    if (options.maxAge !== undefined) fields['max_age'] = options.maxAge;
    return (await this.request('its_unsign', fields)) as unknown as ItsUnsignResponse;
  }

  /** Flask's session serializer over any keys (oldest first) and salt: `dumps(value)` at second `ts`, any value. */
  async serDumps(spec: { readonly secretKeys: readonly string[]; readonly salt?: string }, value: Transport, ts: number): Promise<string> {
    const response = await this.request('ser_dumps', { secret_keys: spec.secretKeys, salt: spec.salt ?? 'cookie-session', value, ts });
    return response['token'] as string;
  }

  /** The same serializer's `loads(token, max_age, return_timestamp=True)` at second `now`. */
  async serLoads(spec: { readonly secretKeys: readonly string[]; readonly salt?: string }, token: string, now: number, maxAge?: number): Promise<SerLoadsResponse> {
    const fields: Record<string, unknown> = { secret_keys: spec.secretKeys, salt: spec.salt ?? 'cookie-session', token, now };
    if (maxAge !== undefined) fields['max_age'] = maxAge;
    return (await this.request('ser_loads', fields)) as unknown as SerLoadsResponse;
  }

  /** The keys of a fresh TaggedJSONSerializer's tags in the order it tries them (null for the pass-through ones). */
  async tagKeys(): Promise<(string | null)[]> {
    return (await this.request('tag_keys', {}))['keys'] as (string | null)[];
  }

  /** `TaggedJSONSerializer().loads(json)`, and whether it equals `expect` with the same types. */
  async taggedLoads(json: string, expect?: Transport): Promise<{ readonly ok: boolean; readonly value?: Transport; readonly equal?: boolean; readonly error?: string }> {
    return (await this.request('tagged_loads', expect === undefined ? { json } : { json, expect })) as { ok: boolean; value?: Transport; equal?: boolean; error?: string };
  }

  /** `itsdangerous.encoding.base64_decode` of each byte string: the bytes, or undefined where it raises. */
  async base64DecodeMany(inputs: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const response = await this.request('b64decode_many', { data_hex: inputs.map((bytes) => Buffer.from(bytes).toString('hex')) });
    return (response['results'] as (string | null)[]).map((hex) => (hex === null ? undefined : Uint8Array.from(Buffer.from(hex, 'hex'))));
  }
}

/** The oracle's name for a secret given as the codec takes it. */
export function oracleSecret(secret: string | Uint8Array): OracleSecret {
  return typeof secret === 'string' ? { secret_text: secret } : { secret_hex: Buffer.from(secret).toString('hex') };
}

/**
 * The interpreter that has Flask 3.1 (this machine's `python3` on PATH: Flask 3.1.3,
 * Werkzeug 3.1.8, itsdangerous 2.2), for the cases where Flask 3.1 differs from the
 * Debian Flask 2.2 the other oracle runs: SECRET_KEY_FALLBACKS, Partitioned, and
 * `session.accessed` tracked by the request context. Undefined, with the reason, when
 * no interpreter on PATH has it.
 */
export function findFlask31Python(): { readonly python: string } | { readonly python?: undefined; readonly reason: string } {
  const seen: string[] = [];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'python3');
    if (!existsSync(candidate) || candidate === PYTHON) continue;
    try {
      const version = execFileSync(candidate, ['-c', 'import importlib.metadata as m; print(m.version("flask"))'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      seen.push(`${candidate}: Flask ${version}`);
      if (/^3\.1\./.test(version)) return { python: candidate };
    } catch {
      seen.push(`${candidate}: no Flask`);
    }
  }
  return { reason: `no python3 on PATH has Flask 3.1 (${seen.join('; ') || 'none found'})` };
}
