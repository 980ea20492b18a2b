#!/usr/bin/env node
/**
 * `signet`: decode, verify and sign Flask session cookies, make keys, run the server.
 * A thin layer over the core; see `signet help`.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FlaskSessionCodec } from 'signet-session/core/flask-session';
import { inspectCookie, isoTime, toJsonView, type Inspection } from 'signet-session/core/inspect';
import { isPyDict, type PyValue } from 'signet-session/core/python-types';
import { formatSecretSpec, parseSecretSpec } from 'signet-session/core/secret-spec';
import { loadTaggedJson } from 'signet-session/core/tagged-json';
import { RedisStore } from 'signet-session/redis';
import { DEFAULT_REDIS_URL, parseSessionType } from './server/config.js';
import { DEFAULT_DATABASE_PATH, LessonDatabase } from './server/database.js';

const USAGE = `signet: Flask session cookies from the command line

  signet decode <cookie|-> [--json]                      read a cookie; no key needed (unverified)
  signet verify <cookie|-> --secret KEY [--max-age S] [--json]
                                                         check it; exit 0 if valid, 1 if not
  signet sign --secret KEY --json '{"hello": "World"}' [--timestamp S]
                                                         print a cookie for the session (Flask's tagged JSON)
  signet genkey                                          print a strong random key (hex:...)
  signet sessions list --user ID [--json] [--prefix P]   a user's server-side sessions, in Redis at REDIS_URL
  signet sessions revoke --user ID [--session SID] [--prefix P]
                                                         log the user out everywhere (or end one session)
  signet users admin NAME [--revoke]                     make a lessons user an admin (or not), in DATABASE_PATH
  signet serve                                           run the lesson server (PORT, SECRET_KEY, ...)

KEY is text, hex:<digits> or base64:<text>. A cookie given as - is read from standard input.
REDIS_URL defaults to ${DEFAULT_REDIS_URL}; the key prefix (the store's prefix option) to signet.
`;

class UsageError extends Error {}

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stdin: () => Promise<string>;
  readonly env: (name: string) => string | undefined;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: (name) => process.env[name],
};

/** The options that take a value. */
const VALUE_OPTIONS = new Set(['--secret', '--max-age', '--json', '--timestamp', '--user', '--session', '--prefix']);

/**
 * `--max-age -1` as `--max-age=-1`: parseArgs calls a value starting with "-" ambiguous
 * (Node 20 has no allowNegative), and the value's own check then says what is wrong
 * with it. A value starting with "--" stays an option: `--secret --json` lacks a secret.
 */
function joinDashValues(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (VALUE_OPTIONS.has(arg) && next !== undefined && next.length > 1 && next.startsWith('-') && !next.startsWith('--')) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Runs the command line; returns the exit code. */
export async function run(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'decode':
      case 'verify':
        return await check(command, rest, io);
      case 'sign':
        return sign(rest, io);
      case 'sessions':
        return await sessions(rest, io);
      case 'users':
        return users(rest, io);
      case 'genkey':
        parseArgs({ args: rest, options: {}, allowPositionals: false });
        io.out(formatSecretSpec(randomBytes(32)) + '\n');
        return 0;
      case 'serve':
        parseArgs({ args: rest, options: {}, allowPositionals: false });
        await import('./server/main.js');
        return -1; // keeps running
      case undefined:
        // Nothing asked: a mistake, so the usage goes where mistakes go.
        io.err(USAGE);
        return 2;
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    io.err(`signet: ${(error as Error).message}\n${usage ? "Run 'signet help' for usage.\n" : ''}`);
    return 2;
  }
}

async function check(command: 'decode' | 'verify', args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinDashValues(args),
    options: { json: { type: 'boolean' }, ...(command === 'verify' ? { secret: { type: 'string' }, 'max-age': { type: 'string' } } : {}) },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError(`${command} takes one cookie (or - to read it from standard input)`);
  const given = positionals[0] as string;
  let cookie = (given === '-' ? await io.stdin() : given).trim();
  if (cookie.startsWith('session=')) cookie = cookie.slice('session='.length);
  const secretText = (values as { secret?: string }).secret;
  if (command === 'verify' && secretText === undefined) throw new UsageError('verify needs --secret KEY');
  const maxAgeText = (values as { 'max-age'?: string })['max-age'];
  if (maxAgeText !== undefined && !/^\d+$/.test(maxAgeText)) throw new UsageError(`--max-age is invalid: ${JSON.stringify(maxAgeText)} (give whole seconds)`);
  const inspection = inspectCookie(cookie, {
    ...(secretText === undefined ? {} : { secret: parseSecretSpec(secretText, '--secret') }),
    ...(maxAgeText === undefined ? {} : { maxAge: Number(maxAgeText) }),
  });
  io.out(values.json === true ? JSON.stringify(inspectionJson(inspection), null, 2) + '\n' : describe(inspection, command));
  if (command === 'decode') {
    if (inspection.payload !== undefined || inspection.format === 'sealed' || inspection.format === 'reference') return 0; // nothing to read in these without the key, or at all
    const failed = inspection.checks.find((c) => !c.ok);
    io.err(`signet: cannot read this cookie: ${failed === undefined ? 'no payload' : `${failed.name}: ${failed.detail}`}\n`);
    return 1;
  }
  if (inspection.verified !== true) {
    const failed = inspection.checks.find((c) => !c.ok);
    io.err(`signet: invalid: ${inspection.failure ?? 'unknown'}${failed === undefined ? '' : ` (${failed.name}: ${failed.detail})`}\n`);
    return 1;
  }
  return 0;
}

function describe(inspection: Inspection, command: 'decode' | 'verify'): string {
  const lines: string[] = [];
  lines.push(`format:    ${inspection.format}${inspection.compressed ? ' (compressed)' : ''}`);
  if (inspection.format === 'reference') lines.push('           a server-side session id: the data is in the session store, not in the cookie');
  if (inspection.python !== undefined) lines.push(`payload:   ${inspection.python}`);
  if (inspection.payloadError !== undefined) lines.push(`payload:   unreadable: ${inspection.payloadError}`);
  if (inspection.signedAt !== undefined) lines.push(`signed at: ${isoTime(inspection.signedAt)} (${inspection.signedAt})`);
  if (inspection.signature !== undefined) lines.push(`signature: ${inspection.signature}`);
  if (command === 'decode') {
    lines.push('verified:  no (decode reads without a key; use signet verify --secret KEY)');
  } else {
    for (const c of inspection.checks) lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    lines.push(`verified:  ${inspection.verified === true ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

/** The inspection as plain JSON; the payload keeps its Python types as {"$type": ...}. */
function inspectionJson(inspection: Inspection): Record<string, unknown> {
  const { payload, ...rest } = inspection;
  return { ...rest, ...(payload === undefined ? {} : { payload: toJsonView(payload) }) };
}

/** `signet users admin NAME [--revoke]`: who may delete articles, in the lessons' database. */
function users(args: readonly string[], io: Io): number {
  const [action, ...rest] = args;
  if (action !== 'admin') throw new UsageError(`users takes admin, not ${JSON.stringify(action ?? '')}`);
  const { values, positionals } = parseArgs({ args: rest, options: { revoke: { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('users admin takes one user name');
  const name = positionals[0] as string;
  const database = new LessonDatabase(io.env('DATABASE_PATH') ?? DEFAULT_DATABASE_PATH);
  try {
    if (!database.setAdmin(name, values.revoke !== true)) {
      io.err(`signet: no user ${JSON.stringify(name)} in ${database.path} (sign up first: POST /signup)\n`);
      return 1;
    }
  } finally {
    database.close();
  }
  io.out(`${name} is ${values.revoke === true ? 'no longer an admin' : 'an admin'} (${database.path})\n`);
  return 0;
}

/** `signet sessions list|revoke --user ID`: a user's sessions in the Redis at REDIS_URL. */
async function sessions(args: readonly string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list' && action !== 'revoke') throw new UsageError(`sessions takes list or revoke, not ${JSON.stringify(action ?? '')}`);
  const { values } = parseArgs({ args: joinDashValues(rest), options: { user: { type: 'string' }, session: { type: 'string' }, prefix: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: false });
  const user = values.user;
  if (user === undefined || user === '') throw new UsageError(`sessions ${action} needs --user ID (the user id a login stores, Flask-Login's _user_id)`);
  if (action === 'list' && values.session !== undefined) throw new UsageError('--session goes with sessions revoke');
  const where = parseSessionType('redis', io.env('REDIS_URL')); // a bad URL: "REDIS_URL is invalid: ..."
  const url = where.type === 'redis' ? where.url : DEFAULT_REDIS_URL;
  const prefix = values.prefix ?? 'signet';
  if (!/^[A-Za-z0-9:_-]{1,64}$/.test(prefix)) throw new UsageError(`--prefix is invalid: ${JSON.stringify(prefix)} (letters, digits, ":", "_" and "-", at most 64)`);
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  let failure: unknown;
  client.on('error', (error: unknown) => { failure ??= error; });
  try {
    await client.connect();
  } catch (error) {
    const cause = failure ?? error;
    io.err(`signet: REDIS_URL is unreachable: ${url} (${cause instanceof Error ? cause.message : String(cause)}): start Redis there, or give another REDIS_URL\n`);
    return 1;
  }
  try {
    const store = new RedisStore(client, { prefix });
    if (action === 'list') {
      const list = await store.sessionsOf(user);
      if (values.json === true) {
        io.out(JSON.stringify(list.map((entry) => ({ ...entry, createdAt: isoTime(entry.createdAt), lastSeenAt: isoTime(entry.lastSeenAt), expiresAt: isoTime(entry.expiresAt) })), null, 2) + '\n');
      } else {
        io.out(`user ${JSON.stringify(user)}: ${list.length} session${list.length === 1 ? '' : 's'}\n`);
        for (const entry of list) io.out(`  ${entry.id}  created ${isoTime(entry.createdAt)}  last seen ${isoTime(entry.lastSeenAt)}  expires ${isoTime(entry.expiresAt)}  ${entry.userAgent ?? '(no user agent)'}\n`);
      }
      return 0;
    }
    if (values.session !== undefined) {
      const ended = await store.endSession(user, values.session);
      if (!ended) {
        io.err(`signet: user ${JSON.stringify(user)} has no session ${JSON.stringify(values.session)} (see signet sessions list --user ${user})\n`);
        return 1;
      }
      io.out(`ended session ${values.session} of user ${JSON.stringify(user)}\n`);
      return 0;
    }
    const listed = (await store.sessionsOf(user)).length;
    const generation = await store.revokeUser(user);
    io.out(`revoked every session of user ${JSON.stringify(user)} (generation ${generation}): ${listed} listed session${listed === 1 ? '' : 's'} deleted; any other is refused by the generation\n`);
    return 0;
  } finally {
    await client.quit().catch(() => undefined);
  }
}

function sign(args: readonly string[], io: Io): number {
  const { values } = parseArgs({ args: joinDashValues(args), options: { secret: { type: 'string' }, json: { type: 'string' }, timestamp: { type: 'string' } }, allowPositionals: false });
  if (values.secret === undefined) throw new UsageError('sign needs --secret KEY');
  if (values.json === undefined) throw new UsageError(`sign needs --json '{...}': the session, as JSON (Flask's tags such as {" t": [1, 2]} make Python types)`);
  let data: PyValue;
  try {
    data = loadTaggedJson(values.json);
  } catch (error) {
    throw new UsageError(`--json is invalid: ${(error as Error).message}`);
  }
  if (!isPyDict(data)) throw new UsageError('--json is invalid: a session is a JSON object');
  if (values.timestamp !== undefined && !/^\d+$/.test(values.timestamp)) throw new UsageError(`--timestamp is invalid: ${JSON.stringify(values.timestamp)} (give Unix seconds)`);
  const codec = new FlaskSessionCodec({ secret: parseSecretSpec(values.secret, '--secret') });
  io.out(codec.encode(data, values.timestamp === undefined ? undefined : Number(values.timestamp)) + '\n');
  return 0;
}

// Run when executed as the `signet` bin or `node dist/src/cli.js` (not when imported by tests).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const code = await run(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
