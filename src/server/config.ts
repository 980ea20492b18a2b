/**
 * The lesson server's configuration, read from the environment once at startup.
 * Anything wrong stops the start with a message that says what to set.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FLASK_COOKIE, resolveSettings, type CookieOptions, type SessionFormat, type SessionOptions } from '../core/cookie-sessions.js';
import type { SameSite } from '../core/cookie-header.js';
import { formatSecretSpec, parseSecretSpec } from '../core/secret-spec.js';
import type { SessionData } from '../fastify.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly secret: Uint8Array;
  /** The session settings from the environment, Flask's names (the lesson's defaults otherwise). */
  readonly session: Omit<SessionOptions<SessionData>, 'secret' | 'clock' | 'warn'>;
  /** TRUST_PROXY: whose X-Forwarded-Proto to believe (Fastify's trustProxy). */
  readonly trustProxy?: boolean | string;
  /** Whether each request is logged (LOG_REQUESTS, on by default). */
  readonly logRequests: boolean;
  /** What to tell the person starting the server about the configuration. */
  readonly notices: readonly string[];
}

export const DEFAULT_PORT = 5555;
/** Loopback only by default; Fastify listens on both 127.0.0.1 and ::1 for "localhost". */
export const DEFAULT_HOST = 'localhost';
/** Where development mode keeps its generated key (in .gitignore). */
export const DEV_SECRET_FILE = '.signet-secret';

const GENERATE_HINT = `SECRET_KEY=hex:$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")`;

export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): ServerConfig {
  const notices: string[] = [];
  const port = parsePort(env.PORT);
  const host = env.HOST === undefined || env.HOST === '' ? DEFAULT_HOST : env.HOST;
  const logRequests = parseBoolean('LOG_REQUESTS', env.LOG_REQUESTS, true);
  let secret: Uint8Array;
  if (env.SECRET_KEY !== undefined) {
    try {
      secret = parseSecretSpec(env.SECRET_KEY, 'SECRET_KEY');
    } catch (error) {
      throw new ConfigError(`${(error as Error).message}. Set it to text, hex:<digits> or base64:<text>.`);
    }
  } else if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      `SECRET_KEY is missing: NODE_ENV=production needs a fixed secret key, or every restart logs everyone out. Set one, e.g. ${GENERATE_HINT}`,
    );
  } else {
    const file = resolve(cwd, env.SIGNET_SECRET_FILE ?? DEV_SECRET_FILE);
    const dev = loadOrCreateDevSecret(file);
    secret = dev.secret;
    notices.push(
      `No SECRET_KEY set: development mode ${dev.created ? 'made a random key and saved it' : 'uses the random key saved'} in ${file}, so sessions survive a restart. Set SECRET_KEY in production.`,
    );
  }
  const session = sessionFromEnv(env);
  const trustProxy = env.TRUST_PROXY === undefined || env.TRUST_PROXY === '' ? undefined : /^(1|true|yes|on)$/i.test(env.TRUST_PROXY) ? true : /^(0|false|no|off)$/i.test(env.TRUST_PROXY) ? false : env.TRUST_PROXY;
  return { port, host, secret, session, ...(trustProxy === undefined ? {} : { trustProxy }), logRequests, notices };
}

/**
 * The session settings, named as Flask names them. Unset ones keep the lesson's
 * defaults: Flask's format and Flask's cookie (HttpOnly, Path=/, no SameSite).
 */
export function sessionFromEnv(env: NodeJS.ProcessEnv): Omit<SessionOptions<SessionData>, 'secret' | 'clock' | 'warn'> {
  const text = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const seconds = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new ConfigError(`${name} is invalid: ${JSON.stringify(value)} (give whole seconds)`);
    return Number(value);
  };
  const flag = (name: string): boolean | undefined => (text(name) === undefined ? undefined : parseBoolean(name, text(name), false));
  const format = text('SESSION_FORMAT') ?? 'flask';
  const secure = text('SESSION_COOKIE_SECURE');
  const sameSite = text('SESSION_COOKIE_SAMESITE');
  const cookie: CookieOptions = {
    ...(text('SESSION_COOKIE_NAME') === undefined ? {} : { name: text('SESSION_COOKIE_NAME') as string }),
    ...(text('SESSION_COOKIE_DOMAIN') === undefined ? {} : { domain: text('SESSION_COOKIE_DOMAIN') as string }),
    ...(text('SESSION_COOKIE_PATH') === undefined ? {} : { path: text('SESSION_COOKIE_PATH') as string }),
    ...(flag('SESSION_COOKIE_HTTPONLY') === undefined ? {} : { httpOnly: flag('SESSION_COOKIE_HTTPONLY') as boolean }),
    ...(secure === undefined ? {} : { secure: /^auto$/i.test(secure) ? 'auto' : parseBoolean('SESSION_COOKIE_SECURE', secure, false) }),
    ...(sameSite === undefined ? {} : { sameSite: /^(none|lax|strict)$/i.test(sameSite) ? ((sameSite[0] as string).toUpperCase() + sameSite.slice(1).toLowerCase()) as SameSite : /^(0|false|off|no)$/i.test(sameSite) ? false : (sameSite as SameSite) }),
    ...(flag('SESSION_COOKIE_PARTITIONED') === undefined ? {} : { partitioned: flag('SESSION_COOKIE_PARTITIONED') as boolean }),
  };
  const fallbacks = text('SECRET_KEY_FALLBACKS');
  const options = {
    format: format as SessionFormat,
    cookie,
    ...(fallbacks === undefined
      ? {}
      : { secretFallbacks: fallbacks.split(',').map((spec, i) => parseOrConfigError(spec.trim(), `SECRET_KEY_FALLBACKS[${i}]`)) }),
    ...(flag('SESSION_MIGRATE_FLASK') === undefined ? {} : { migrateFlask: flag('SESSION_MIGRATE_FLASK') as boolean }),
    ...(seconds('PERMANENT_SESSION_LIFETIME') === undefined ? {} : { permanentLifetime: seconds('PERMANENT_SESSION_LIFETIME') as number }),
    ...(flag('SESSION_REFRESH_EACH_REQUEST') === undefined ? {} : { refreshEachRequest: flag('SESSION_REFRESH_EACH_REQUEST') as boolean }),
    ...(seconds('SESSION_IDLE_TIMEOUT') === undefined ? {} : { idleTimeout: seconds('SESSION_IDLE_TIMEOUT') as number }),
    ...(seconds('SESSION_ABSOLUTE_TIMEOUT') === undefined ? {} : { absoluteTimeout: seconds('SESSION_ABSOLUTE_TIMEOUT') as number }),
    ...(seconds('MAX_COOKIE_SIZE') === undefined ? {} : { maxCookieSize: seconds('MAX_COOKIE_SIZE') as number }),
  };
  try {
    // The same checks the server makes, so that a mistake stops the start with its name.
    resolveSettings({ ...options, cookie: { ...FLASK_COOKIE, ...cookie }, secret: 'x' });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return options;
}

function parseOrConfigError(spec: string, what: string): Uint8Array {
  try {
    return parseSecretSpec(spec, what);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Separate keys with commas; write a key that holds a comma as hex: or base64:.`);
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError(`PORT is invalid: ${JSON.stringify(text)} (give a whole number from 0 to 65535)`);
  return port;
}

function parseBoolean(name: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined || text === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new ConfigError(`${name} is invalid: ${JSON.stringify(text)} (give 1 or 0)`);
}

function loadOrCreateDevSecret(file: string): { secret: Uint8Array; created: boolean } {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`${file} is invalid: ${(error as Error).message}`);
  }
  if (text !== undefined) {
    try {
      return { secret: parseSecretSpec(text, file), created: false };
    } catch (error) {
      throw new ConfigError(`${(error as Error).message}. Delete the file to make a new key.`);
    }
  }
  const secret = randomBytes(32);
  try {
    // 'wx': never overwrite a key another process has just written; 0600: a secret.
    writeFileSync(file, formatSecretSpec(secret) + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevSecret(file);
    throw new ConfigError(`${file} is invalid: cannot write the development key there (${(error as Error).message})`);
  }
  return { secret, created: true };
}
