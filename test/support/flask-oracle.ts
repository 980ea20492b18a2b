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
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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

  private constructor() {
    this.child = spawn(PYTHON, [ORACLE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
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

  /** Starts the oracle and waits until it answers. */
  static async start(): Promise<FlaskOracle> {
    const oracle = new FlaskOracle();
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
