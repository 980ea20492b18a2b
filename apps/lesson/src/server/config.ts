/**
 * The lesson server's configuration, read from the environment once at startup.
 * Anything wrong stops the start with `<VAR> is invalid: <value> (what to set)`; a value
 * that is legal but almost surely a mistake gives a warning. An empty variable counts as
 * unset, except SECRET_KEY. Values are never trimmed: a stray space is an error, shown.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_MAX_COOKIE_SIZE, FLASK_COOKIE, MAX_COOKIE_SIZE_LIMIT, MAX_SECONDS, resolveSettings, type CookieOptions, type SessionFormat, type SessionOptions } from 'signet-session/core/cookie-sessions';
import type { SameSite } from 'signet-session/core/cookie-header';
import { DEFAULT_MAX_AGE } from 'signet-session/core/flask-session';
import { formatSecretSpec, parseSecretSpec } from 'signet-session/core/secret-spec';
import type { SessionData } from 'signet-session/core/engine';
import { DEFAULT_DATABASE_PATH } from './database.js';
import { FRAMEWORKS, type Framework } from './frameworks.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Fastify's trustProxy, checked: trust every proxy, none, or these addresses and ranges. */
export type TrustProxy = boolean | readonly string[];

export interface ServerConfig {
  /** SIGNET_FRAMEWORK: which framework serves the lesson (the answers are the same on each). */
  readonly framework: Framework;
  readonly port: number;
  readonly host: string;
  readonly secret: Uint8Array;
  /** The session settings from the environment, Flask's names (the lesson's defaults otherwise). */
  readonly session: Omit<SessionOptions<SessionData>, 'secret' | 'clock' | 'warn'>;
  /** TRUST_PROXY: whose X-Forwarded-Proto to believe (Fastify's trustProxy). */
  readonly trustProxy?: TrustProxy;
  /** Whether each request is logged (LOG_REQUESTS, on by default). */
  readonly logRequests: boolean;
  /** SHUTDOWN_TIMEOUT: seconds a stop waits for requests in progress before closing their connections. */
  readonly shutdownTimeout: number;
  /** SESSION_TYPE (Flask-Session's name): where sessions live; `cookie` by default. REDIS_URL for `redis`. */
  readonly store: SessionType;
  /** DATABASE_PATH: the lessons' SQLite file (relative to the working directory); data/lesson.sqlite3 by default. */
  readonly databasePath: string;
  /** LOGIN_LIMIT: login attempts per account, "N/S" (N at once, one more every S seconds; four times as many per address), or off. */
  readonly loginLimit?: { readonly capacity: number; readonly perSecond: number } | 'off';
  /** What to tell the person starting the server about the configuration (warnings start "warning:"). */
  readonly notices: readonly string[];
}

export type SessionType = { readonly type: 'cookie' } | { readonly type: 'memory' } | { readonly type: 'redis'; readonly url: string };

/** Flask-Session's default Redis: this machine's. */
export const DEFAULT_REDIS_URL = 'redis://localhost:6379';

export const DEFAULT_PORT = 5555;
/** Loopback only by default; Fastify listens on both 127.0.0.1 and ::1 for "localhost". */
export const DEFAULT_HOST = 'localhost';
/** Where development mode keeps its generated key (in .gitignore). */
export const DEV_SECRET_FILE = '.signet-secret';
export const DEFAULT_SHUTDOWN_TIMEOUT = 10;
/** An hour: a longer wait is surely milliseconds written as seconds. */
export const MAX_SHUTDOWN_TIMEOUT = 3600;
/** Browsers keep a cookie 400 days at most (RFC 6265bis §5.5), whatever its Expires says. */
const BROWSER_COOKIE_DAYS = 400;
/** The bytes of key development mode makes, and the least it accepts back from its file. */
const DEV_KEY_BYTES = 32;

/** Every variable the server reads: a name close to one of these is reported as a likely typo. */
export const VARIABLES = [
  'SIGNET_FRAMEWORK', 'PORT', 'HOST', 'SECRET_KEY', 'SECRET_KEY_FALLBACKS', 'NODE_ENV', 'SIGNET_SECRET_FILE', 'LOG_REQUESTS',
  'SHUTDOWN_TIMEOUT', 'TRUST_PROXY', 'SESSION_FORMAT', 'SESSION_MIGRATE_FLASK', 'SESSION_COOKIE_NAME',
  'SESSION_COOKIE_DOMAIN', 'SESSION_COOKIE_PATH', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SECURE',
  'SESSION_COOKIE_SAMESITE', 'SESSION_COOKIE_PARTITIONED', 'PERMANENT_SESSION_LIFETIME',
  'SESSION_REFRESH_EACH_REQUEST', 'SESSION_IDLE_TIMEOUT', 'SESSION_ABSOLUTE_TIMEOUT', 'MAX_COOKIE_SIZE',
  'SESSION_TYPE', 'REDIS_URL', 'DATABASE_PATH', 'LOGIN_LIMIT',
] as const;

const GENERATE_HINT = `SECRET_KEY=hex:$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")`;
const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** A value as a message shows it: quoted, escaped, and cut short when long. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
}

const invalid = (name: string, value: string, hint: string): ConfigError => new ConfigError(`${name} is invalid: ${shown(value)} (${hint})`);

export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): ServerConfig {
  const notices: string[] = [];
  const text = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const framework = parseFramework(text('SIGNET_FRAMEWORK'));
  const port = wholeNumber('PORT', text('PORT'), { min: 0, max: 65535, unit: 'a port number' }) ?? DEFAULT_PORT;
  const host = parseHost(text('HOST'));
  const logRequests = parseBoolean('LOG_REQUESTS', text('LOG_REQUESTS')) ?? true;
  const shutdownTimeout = wholeNumber('SHUTDOWN_TIMEOUT', text('SHUTDOWN_TIMEOUT'), { min: 0, max: MAX_SHUTDOWN_TIMEOUT, unit: 'whole seconds' }) ?? DEFAULT_SHUTDOWN_TIMEOUT;
  const trustProxy = parseTrustProxy(text('TRUST_PROXY'));
  const mode = parseNodeEnv(text('NODE_ENV'));
  let secret: Uint8Array;
  if (env.SECRET_KEY !== undefined) {
    try {
      secret = parseSecretSpec(env.SECRET_KEY, 'SECRET_KEY');
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    if (text('SIGNET_SECRET_FILE') !== undefined) notices.push('warning: SIGNET_SECRET_FILE is ignored: SECRET_KEY is set, and the file only keeps the key development mode makes without one');
  } else if (mode === 'production') {
    throw new ConfigError(
      `SECRET_KEY is missing: NODE_ENV=${env.NODE_ENV ?? ''} needs a fixed secret key, or every restart logs everyone out. Set one, e.g. ${GENERATE_HINT}`,
    );
  } else if (mode === 'other') {
    throw invalid('NODE_ENV', env.NODE_ENV ?? '', 'without SECRET_KEY the server makes its own key only in development: set SECRET_KEY, or NODE_ENV to development, test or production');
  } else {
    const file = devSecretFile(text('SIGNET_SECRET_FILE'), cwd);
    const dev = loadOrCreateDevSecret(file);
    secret = dev.secret;
    notices.push(
      `No SECRET_KEY set: development mode ${dev.created ? 'made a random key and saved it' : 'uses the random key saved'} in ${file}, so sessions survive a restart. Set SECRET_KEY in production.`,
    );
  }
  const session = sessionFromEnv(env);
  const store = parseSessionType(text('SESSION_TYPE'), text('REDIS_URL'));
  if (store.type !== 'redis' && text('REDIS_URL') !== undefined) notices.push(`warning: REDIS_URL is ignored: SESSION_TYPE is ${store.type} (give SESSION_TYPE=redis to keep sessions in Redis)`);
  if (store.type === 'memory' && mode === 'production') notices.push('warning: SESSION_TYPE=memory keeps sessions in this process only: they are lost on restart and not shared between servers (use redis in production)');
  notices.push(...sessionWarnings(session), ...nameWarnings(env));
  const databasePath = text('DATABASE_PATH') ?? DEFAULT_DATABASE_PATH;
  const loginLimit = parseLoginLimit(text('LOGIN_LIMIT'));
  if (loginLimit === 'off') notices.push('warning: LOGIN_LIMIT=off: login attempts are not limited (for benchmarks, or behind a proxy that limits them)');
  return { framework, port, host, secret, session, store, databasePath, ...(loginLimit === undefined ? {} : { loginLimit }), ...(trustProxy === undefined ? {} : { trustProxy }), logRequests, shutdownTimeout, notices };
}

/** LOGIN_LIMIT: "N/S" (N attempts at once per account, one more every S seconds), or off. */
export function parseLoginLimit(value: string | undefined): { readonly capacity: number; readonly perSecond: number } | 'off' | undefined {
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'off') return 'off';
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(value);
  const capacity = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (match === null || capacity < 1 || seconds < 1) throw invalid('LOGIN_LIMIT', value, 'give N/S, as 5/12 (5 attempts per account at once, one more every 12 s; four times as many per address), or off');
  return { capacity, perSecond: 1 / seconds };
}

/** SESSION_TYPE and REDIS_URL: cookie (the default), memory, or redis at a redis:// or rediss:// URL. */
export function parseSessionType(type: string | undefined, redisUrl: string | undefined): SessionType {
  const word = (type ?? 'cookie').toLowerCase();
  if (word === 'cookie' || word === 'memory') return { type: word };
  if (word !== 'redis') throw invalid('SESSION_TYPE', type ?? '', 'give cookie (sessions in the cookie), memory (in this process) or redis (in Redis at REDIS_URL)');
  const url = redisUrl ?? DEFAULT_REDIS_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !['redis:', 'rediss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw invalid('REDIS_URL', url, 'give a Redis URL such as redis://localhost:6379, or rediss://user:password@host:6380 for TLS');
  }
  return { type: 'redis', url };
}

/**
 * The session settings, named as Flask names them. Unset ones keep the lesson's
 * defaults: Flask's format and Flask's cookie (HttpOnly, Path=/, no SameSite).
 */
export function sessionFromEnv(env: NodeJS.ProcessEnv): Omit<SessionOptions<SessionData>, 'secret' | 'clock' | 'warn'> {
  const text = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const seconds = (name: string): number | undefined => wholeNumber(name, text(name), { min: 1, max: MAX_SECONDS, unit: 'whole seconds' });
  const flag = (name: string): boolean | undefined => parseBoolean(name, text(name));
  const format = text('SESSION_FORMAT') ?? 'flask';
  const secure = text('SESSION_COOKIE_SECURE');
  const sameSite = text('SESSION_COOKIE_SAMESITE');
  const given = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));
  const cookie: CookieOptions = {
    ...given('name', text('SESSION_COOKIE_NAME')),
    ...given('domain', text('SESSION_COOKIE_DOMAIN')),
    ...given('path', text('SESSION_COOKIE_PATH')),
    ...given('httpOnly', flag('SESSION_COOKIE_HTTPONLY')),
    ...given<'secure', boolean | 'auto'>('secure', secure === undefined ? undefined : /^auto$/i.test(secure) ? 'auto' : parseBoolean('SESSION_COOKIE_SECURE', secure, '1, 0 or auto')),
    ...given('sameSite', sameSite === undefined ? undefined : parseSameSite(sameSite)),
    ...given('partitioned', flag('SESSION_COOKIE_PARTITIONED')),
  };
  const fallbacks = text('SECRET_KEY_FALLBACKS');
  const options = {
    // Any case, as for the other words here; the core then checks the word itself.
    format: (/^(flask|sealed)$/i.test(format) ? format.toLowerCase() : format) as SessionFormat,
    cookie,
    // Keys never start or end with whitespace, so spaces around the commas can only be layout.
    ...given('secretFallbacks', fallbacks?.split(',').map((spec, i) => parseOrConfigError(spec.trim(), `SECRET_KEY_FALLBACKS[${i}]`))),
    ...given('migrateFlask', flag('SESSION_MIGRATE_FLASK')),
    ...given('permanentLifetime', seconds('PERMANENT_SESSION_LIFETIME')),
    ...given('refreshEachRequest', flag('SESSION_REFRESH_EACH_REQUEST')),
    ...given('idleTimeout', seconds('SESSION_IDLE_TIMEOUT')),
    ...given('absoluteTimeout', seconds('SESSION_ABSOLUTE_TIMEOUT')),
    ...given('maxCookieSize', wholeNumber('MAX_COOKIE_SIZE', text('MAX_COOKIE_SIZE'), { min: 64, max: MAX_COOKIE_SIZE_LIMIT, unit: 'a number of bytes', note: `what browsers keep (RFC 6265 §6.1); ${DEFAULT_MAX_COOKIE_SIZE} by default` })),
  };
  try {
    // The same checks the server makes, so that a mistake stops the start with its name.
    resolveSettings({ ...options, cookie: { ...FLASK_COOKIE, ...cookie }, secret: 'x' });
  } catch (error) {
    throw new ConfigError(inVariableNames((error as Error).message));
  }
  return options;
}

/** The environment variable of each core option: the core's messages name options, the server's name variables. */
const VARIABLE_OF: ReadonlyArray<readonly [string, string]> = [
  ['cookie.name', 'SESSION_COOKIE_NAME'],
  ['cookie.domain', 'SESSION_COOKIE_DOMAIN'],
  ['cookie.path', 'SESSION_COOKIE_PATH'],
  ['cookie.httpOnly', 'SESSION_COOKIE_HTTPONLY'],
  ['cookie.secure', 'SESSION_COOKIE_SECURE'],
  ['cookie.sameSite', 'SESSION_COOKIE_SAMESITE'],
  ['cookie.partitioned', 'SESSION_COOKIE_PARTITIONED'],
  ['secretFallbacks', 'SECRET_KEY_FALLBACKS'],
  ['secret', 'SECRET_KEY'],
  ['format', 'SESSION_FORMAT'],
  ['migrateFlask', 'SESSION_MIGRATE_FLASK'],
  ['permanentLifetime', 'PERMANENT_SESSION_LIFETIME'],
  ['refreshEachRequest', 'SESSION_REFRESH_EACH_REQUEST'],
  ['idleTimeout', 'SESSION_IDLE_TIMEOUT'],
  ['absoluteTimeout', 'SESSION_ABSOLUTE_TIMEOUT'],
  ['maxCookieSize', 'MAX_COOKIE_SIZE'],
];
// Dotted and camelCase names are unambiguous anywhere; `secret` and `format` are also
// words, so they are names only where a message starts with them or gives them a value.
const WORD_OPTIONS = new Set(['secret', 'format']);
const OPTION_NAME = new RegExp(`(?<![\\w.])(${VARIABLE_OF.map(([option]) => option.replace('.', '\\.')).join('|')})(?![\\w.])(: (?="|true|false|\\d))?`, 'g');

/** A core message (`cookie.secure: true`) in the server's terms (`SESSION_COOKIE_SECURE=true`). */
export function inVariableNames(message: string): string {
  return message.replace(OPTION_NAME, (match: string, option: string, colon: string | undefined, offset: number) => {
    if (WORD_OPTIONS.has(option) && offset !== 0 && colon === undefined) return match;
    const variable = VARIABLE_OF.find(([name]) => name === option)?.[1] ?? option;
    return colon === undefined ? variable : `${variable}=`;
  });
}

/** Settings that work but almost surely do not do what was meant. */
function sessionWarnings(session: ReturnType<typeof sessionFromEnv>): string[] {
  const warnings: string[] = [];
  const lifetime = session.permanentLifetime ?? DEFAULT_MAX_AGE;
  if (lifetime > BROWSER_COOKIE_DAYS * 86400) {
    warnings.push(`warning: PERMANENT_SESSION_LIFETIME is ${lifetime} seconds, but browsers keep a cookie ${BROWSER_COOKIE_DAYS} days (${BROWSER_COOKIE_DAYS * 86400} seconds) at most`);
  }
  if (session.idleTimeout !== undefined && session.idleTimeout >= lifetime) {
    warnings.push(`warning: SESSION_IDLE_TIMEOUT (${session.idleTimeout}) never applies: a cookie unused for PERMANENT_SESSION_LIFETIME (${lifetime}) seconds has expired already`);
  }
  return warnings;
}

/** Variables that look like ours but are not read: a typo or the wrong case silently changes nothing. */
function nameWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = new Set<string>(VARIABLES);
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name) || name.length < 4) continue;
    const near = VARIABLES.find((variable) => variable.toUpperCase() === name.toUpperCase() || editDistance(variable, name) <= (variable.length < 10 ? 1 : 2));
    if (near !== undefined) warnings.push(`warning: ${name} is not a setting the server reads; did you mean ${near}?`);
  }
  return warnings;
}

/** Levenshtein distance, for a few short names. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

function parseOrConfigError(spec: string, what: string): Uint8Array {
  try {
    return parseSecretSpec(spec, what);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; separate keys with commas, and write a key that holds a comma as hex: or base64:`);
  }
}

interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** What the number counts: "whole seconds", "a number of bytes"... */
  readonly unit: string;
  readonly note?: string;
}

/** A whole number in decimal digits within the rule's range, or undefined when unset. */
function wholeNumber(name: string, value: string | undefined, rule: NumberRule): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < rule.min || number > rule.max) {
    throw invalid(name, value, `give ${rule.unit} from ${rule.min} to ${rule.max}${rule.note === undefined ? '' : `, ${rule.note}`}`);
  }
  return number;
}

function parseBoolean(name: string, value: string | undefined, give = '1 or 0'): boolean | undefined {
  if (value === undefined) return undefined;
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw invalid(name, value, `give ${give}`);
}

function parseSameSite(value: string): SameSite | false {
  if (/^(none|lax|strict)$/i.test(value)) return ((value[0] as string).toUpperCase() + value.slice(1).toLowerCase()) as SameSite;
  if (FALSE.test(value)) return false;
  throw invalid('SESSION_COOKIE_SAMESITE', value, 'give Lax, Strict, None (which needs SESSION_COOKIE_SECURE=1), or 0 for no attribute');
}

/** A framework's name, in any case: "Express" is express. */
function parseFramework(value: string | undefined): Framework {
  if (value === undefined) return 'fastify';
  const framework = FRAMEWORKS.find((name) => name === value.toLowerCase());
  if (framework === undefined) throw invalid('SIGNET_FRAMEWORK', value, `give ${FRAMEWORKS.slice(0, -1).join(', ')} or ${FRAMEWORKS.at(-1) ?? ''}`);
  return framework;
}

/** An interface to listen on: an IP address or a host name, as node:net takes them. */
function parseHost(value: string | undefined): string {
  if (value === undefined) return DEFAULT_HOST;
  if (isIP(value) !== 0) return value;
  const labels = value.split('.');
  // All digits and dots is meant as an IPv4 address (RFC 3696: no top-level name is numeric).
  if (/^[\d.]+$/.test(value)) throw invalid('HOST', value, 'not an IPv4 address: give four numbers from 0 to 255, such as 127.0.0.1, or a host name such as localhost');
  if (value.length <= 253 && labels.every((label) => label.length <= 63 && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label))) return value;
  const brackets = /^\[.*\]$/.test(value) ? '; write an IPv6 address without brackets' : '';
  throw invalid('HOST', value, `give an address such as 127.0.0.1, ::1 or 0.0.0.0, or a host name such as localhost${brackets}`);
}

/**
 * Whether to believe X-Forwarded-* headers, and from whom: 1/0 (true/false, yes/no, on/off),
 * or a comma list of IP addresses, CIDR ranges and proxy-addr's names. Checked here
 * because Fastify's own check throws a bare TypeError at the first request path it builds.
 * Hop counts are refused: Fastify 5 trusts nobody for a number (a count cannot tell a
 * proxy from a client who sends enough X-Forwarded-For entries).
 */
function parseTrustProxy(value: string | undefined): TrustProxy | undefined {
  if (value === undefined) return undefined;
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  const give = 'give 1 to trust every proxy, 0 for none, or the proxies: IP addresses, CIDR ranges such as 10.0.0.0/8, loopback, linklocal or uniquelocal, separated by commas';
  if (/^\d+$/.test(value)) throw invalid('TRUST_PROXY', value, `a hop count cannot tell a proxy from a client, and Fastify trusts nobody for one: ${give}`);
  return value.split(',').map((raw) => {
    const entry = raw.trim();
    if (/^(loopback|linklocal|uniquelocal)$/i.test(entry)) return entry.toLowerCase();
    const slash = entry.indexOf('/');
    const family = isIP(slash < 0 ? entry : entry.slice(0, slash));
    if (family === 0) throw invalid('TRUST_PROXY', value, `${entry === '' ? 'an empty entry' : `${shown(entry)} is not an IP address, a range or a name`}: ${give}`);
    if (slash >= 0) {
      const prefix = entry.slice(slash + 1);
      const max = family === 4 ? 32 : 128;
      if (!/^\d{1,3}$/.test(prefix) || Number(prefix) < 1 || Number(prefix) > max) {
        throw invalid('TRUST_PROXY', value, `in ${shown(entry)} give a prefix length from 1 to ${max} after the "/" (for every address, TRUST_PROXY=1)`);
      }
    }
    return entry;
  });
}

/**
 * NODE_ENV in any case: "Production" is production. An unknown value only matters
 * without SECRET_KEY, and then stops the start rather than fall back to development mode.
 */
function parseNodeEnv(value: string | undefined): 'production' | 'development' | 'other' {
  if (value === undefined) return 'development';
  const lower = value.toLowerCase();
  if (lower === 'production') return 'production';
  return lower === 'development' || lower === 'test' ? 'development' : 'other';
}

function devSecretFile(value: string | undefined, cwd: string): string {
  if (value === undefined) return resolve(cwd, DEV_SECRET_FILE);
  if (/^\s|\s$/.test(value)) throw invalid('SIGNET_SECRET_FILE', value, 'remove the whitespace around the path');
  return resolve(cwd, value);
}

/** What development mode writes: `hex:` and 64 or more hex digits. Anything else is some other file. */
const DEV_KEY = new RegExp(`^hex:(?:[0-9a-fA-F]{2}){${DEV_KEY_BYTES},}$`);
/** More than a development key could ever take: the file is something else (a device, a log...). */
const MAX_DEV_FILE = 4096;

function loadOrCreateDevSecret(file: string): { secret: Uint8Array; created: boolean } {
  const fail = (why: string): ConfigError =>
    new ConfigError(`SIGNET_SECRET_FILE is invalid: ${file} ${why} (it must hold the key development mode wrote there, hex: and ${DEV_KEY_BYTES * 2} hex digits: delete the file to make a new key, point SIGNET_SECRET_FILE elsewhere, or set SECRET_KEY)`);
  let text: string | undefined;
  try {
    // Looked at before it is opened: opening a FIFO would wait, and /dev/zero never ends.
    const stat = statSync(file);
    if (stat.isDirectory()) throw fail('is a directory');
    if (!stat.isFile()) throw fail('is not a regular file');
    if (stat.size > MAX_DEV_FILE) throw fail(`is ${stat.size} bytes, too large for a key`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(`cannot be read (${(error as Error).message})`);
  }
  if (text !== undefined) {
    // The file's text is never shown: it is meant to be a secret.
    const key = text.trimEnd();
    if (!DEV_KEY.test(key)) throw fail('does not hold a development key');
    return { secret: parseSecretSpec(key, 'SIGNET_SECRET_FILE'), created: false };
  }
  const secret = randomBytes(DEV_KEY_BYTES);
  try {
    // 'wx': never overwrite a key another process has just written; 0600: a secret.
    writeFileSync(file, formatSecretSpec(secret) + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevSecret(file);
    throw new ConfigError(`SIGNET_SECRET_FILE is invalid: ${file}: cannot write the development key there (${(error as Error).message}; point SIGNET_SECRET_FILE at a writable place, or set SECRET_KEY)`);
  }
  return { secret, created: true };
}
