/**
 * Server-side sessions on Redis: a {@link SessionStore} over a node-redis 6 client (or
 * cluster) that the app creates and connects. Each write is one Lua script, so the
 * store's rules hold across every server that shares the Redis (docs/server-sessions.md):
 *
 *     import { createClient } from 'redis';
 *     import { RedisStore } from 'signet-session/redis';
 *     const client = await createClient({ url: process.env.REDIS_URL }).connect();
 *     await app.register(signetSession, { secret, store: new RedisStore(client) });
 *
 * Layout: a session is the hash `<prefix>:{<family>}:s:<digest>` (see session-id.ts),
 * with `d:<key>` for each session key (Flask's tagged JSON) and `m:v` (version),
 * `m:c` (created), `m:t` (touched), `m:e` (expires) in Unix seconds, and the key's own
 * expiry `ttl` seconds after the write (relative, so Redis's clock need not agree). A user's generation is `<prefix>:{u:<user>}:g`, with no expiry.
 */
import { createHash } from 'node:crypto';
import { GENERATION_KEY, USER_KEY } from './core/revocation.js';
import { familyOf } from './core/session-id.js';
import type { Clock } from './core/signer.js';
import { byLastSeen, heldBy, listed, MAX_INDEXED_SESSIONS, MAX_USER_AGENT, StoreUnavailable, type SessionStore, type SessionWrite, type StoredSession, type UserSession, type WriteVerdict } from './core/store.js';

/** The node-redis commands the store uses: a client or a cluster from `redis` 6 has them all. */
export interface RedisCommands {
  hGetAll(key: string): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  incr(key: string): Promise<unknown>;
  hmGet(key: string, fields: string[]): Promise<unknown>;
  zRangeByScore(key: string, min: string, max: string): Promise<unknown>;
  zRem(key: string, member: string): Promise<unknown>;
  /** node-redis clients are event emitters: an 'error' with no listener would end the process. */
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount?(event: string): number;
}

// Lua helpers of the write scripts. `hset`/`hdel` take a flat list in chunks: unpack has
// a limit of about 8,000 values (7,000 is even, so the chunks keep HSET's pairs whole).
// `written` is the new session's fields: the times from ARGV[3..8] (see WRITE), then the
// session keys' (key, value) pairs from ARGV[10], ARGV[9] of them; it gives the list and
// the index of the first argument after the pairs.
const HELPERS = `
local function chunked(command, key, list)
  for s = 1, #list, 7000 do redis.call(command, key, unpack(list, s, math.min(s + 6999, #list))) end
end
local function written()
  local list = {'m:c', ARGV[3], 'm:t', ARGV[4], 'm:e', ARGV[5], 'm:s', ARGV[7]}
  if ARGV[8] ~= '' then list[#list + 1] = 'm:a'; list[#list + 1] = ARGV[8] end
  local i = 10
  for _ = 1, tonumber(ARGV[9]) do
    list[#list + 1] = 'd:' .. ARGV[i]
    list[#list + 1] = ARGV[i + 1]
    i = i + 2
  end
  return list, i
end
`;

// KEYS[1]: the session. ARGV: create (1/0), the version expected ('' for none), created,
// touched, expires, the seconds to keep it (relative: Redis's clock need not be the
// app's), seen, the User-Agent of a new session ('' for none), the number of keys set,
// then (key, value) pairs, then keys removed. One HMGET tells a live session (m:v) from
// none and from a forwarder (m:f).
const WRITE = `${HELPERS}
local state = redis.call('HMGET', KEYS[1], 'm:v', 'm:f')
if ARGV[1] == '1' then
  if state[1] then return {'exists'} end
else
  if not state[1] or state[2] then return {'gone'} end
  if ARGV[2] ~= '' and state[1] ~= ARGV[2] then return {'conflict'} end
end
local list, i = written()
local version = 1
if ARGV[1] == '1' then
  list[#list + 1] = 'm:v'; list[#list + 1] = '1'
else
  version = tonumber(state[1]) + 1
  list[#list + 1] = 'm:v'; list[#list + 1] = tostring(version)
end
chunked('HSET', KEYS[1], list)
local removed = {}
for j = i, #ARGV do removed[#removed + 1] = 'd:' .. ARGV[j] end
if #removed > 0 then chunked('HDEL', KEYS[1], removed) end
redis.call('EXPIRE', KEYS[1], ARGV[6])
return {'ok', version}
`;

// KEYS[1]: the old id's session, KEYS[2]: the new id's (one hash tag: one slot). ARGV: the
// forward, its seconds, then the new session as WRITE's ARGV[3..] (created, touched,
// expires, seconds, seen, User-Agent, the number of keys, the pairs).
const REGENERATE = `${HELPERS}
local old = redis.call('HMGET', KEYS[1], 'm:v', 'm:f')
if not old[1] or old[2] then return {'gone'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
redis.call('DEL', KEYS[1])
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[1], 'm:f', ARGV[1], 'm:v', old[1], 'm:c', '0', 'm:t', '0', 'm:e', '0')
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
local list = written()
list[#list + 1] = 'm:v'; list[#list + 1] = '1'
chunked('HSET', KEYS[2], list)
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {'ok', 1}
`;

// KEYS[1]: the session; ARGV[1]: the session key to take out.
const TAKE = `
if redis.call('HEXISTS', KEYS[1], 'm:f') == 1 then return false end
local value = redis.call('HGET', KEYS[1], 'd:' .. ARGV[1])
if value then
  redis.call('HDEL', KEYS[1], 'd:' .. ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'm:v', 1)
end
return value
`;

// KEYS[1]: a user's index, a sorted set of session keys by expiry. ARGV: now, the session
// key, its expiry, the most entries kept. Drops what expired; the set itself lives as
// long as its last entry (relative seconds, as the sessions' own).
const INDEX = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[4]))
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - tonumber(ARGV[1])))
return 1
`;

/** The fields of a session that a user's list shows, and that tell whose it is. */
const LISTED_FIELDS = ['m:c', 'm:t', 'm:s', 'm:e', 'm:a', 'm:f', `d:${USER_KEY}`, `d:${GENERATION_KEY}`];

export interface RedisStoreOptions {
  /** Prefix of every key. Default "signet" (as ServerSessions' `keyPrefix`). */
  readonly prefix?: string;
  /**
   * Milliseconds a command may take before the request that needs it is answered 503
   * ({@link StoreUnavailable}). Default 1000. While Redis is down, node-redis queues
   * commands and reconnects by itself: this bounds how long a request waits for that.
   */
  readonly timeout?: number;
  /**
   * Told of the client's connection errors when the app listens for none itself (an
   * 'error' event with no listener would end the process). Default: one `console.warn`
   * per outage, until the client is ready again.
   */
  readonly onError?: (error: unknown) => void;
  /** Milliseconds since the epoch, for what expired in a user's index: the clock the sessions' times come from. `Date.now` by default. */
  readonly clock?: Clock;
}

export class RedisStore implements SessionStore {
  private readonly prefix: string;

  constructor(
    private readonly client: RedisCommands,
    options: RedisStoreOptions = {},
  ) {
    const given: unknown = client;
    if (typeof given !== 'object' || given === null || typeof (given as RedisCommands).evalSha !== 'function') {
      throw new TypeError(`client is invalid: ${given === null ? 'null' : typeof given} (give a node-redis 6 client: createClient({ url }), connected)`);
    }
    this.prefix = options.prefix ?? 'signet';
    // No braces: a "{...}" in the prefix would be every key's hash tag, one cluster slot for all.
    if (!/^[A-Za-z0-9:_-]{1,64}$/.test(this.prefix)) throw new TypeError(`prefix is invalid: ${JSON.stringify(this.prefix)} (letters, digits, ":", "_" and "-", at most 64)`);
    this.clock = options.clock ?? Date.now;
    const timeout = options.timeout ?? 1000;
    if (!Number.isSafeInteger(timeout) || timeout < 1) throw new TypeError(`timeout is invalid: ${String(timeout)} (give whole milliseconds, 1 or more)`);
    this.timeout = timeout;
    if (typeof client.on === 'function' && typeof client.listenerCount === 'function' && client.listenerCount('error') === 0) {
      let warned = false;
      const onError =
        options.onError ??
        ((error: unknown) => {
          if (warned) return;
          warned = true;
          console.warn(`signet-session/redis: Redis is unavailable (${error instanceof Error ? error.message : String(error)}); requests that need it are answered 503 until it is back`);
        });
      client.on('error', (error) => { onError(error); });
      client.on('ready', () => { warned = false; });
      // A cluster (createCluster) tells of a node's connection errors as 'node-error' and of
      // a node ready again as 'node-ready'; its own 'error' is only a failed topology
      // refresh, and it has no 'ready'. A single client emits neither.
      client.on('node-error', (error) => { onError(error); });
      client.on('node-ready', () => { warned = false; });
    }
  }

  private readonly timeout: number;
  private readonly clock: Clock;

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** A command's answer, or StoreUnavailable once the deadline passed or the client failed. */
  private deadline<R>(command: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new StoreUnavailable(`Redis did not answer within ${this.timeout} ms`)); }, this.timeout);
      let started: Promise<R>;
      try {
        started = command();
      } catch (error) {
        started = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      started.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // A script error is ours to see; a closed or broken connection is the store being unavailable.
          reject(error instanceof Error && /NOSCRIPT|ERR |WRONGTYPE|CROSSSLOT/.test(error.message) ? error : new StoreUnavailable(`Redis is unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        },
      );
    });
  }

  async load(key: string): Promise<StoredSession | undefined> {
    const hash = entriesOf(await this.deadline(() => this.client.hGetAll(key)));
    if (hash.length === 0) return undefined;
    const fields = new Map<string, string>();
    const meta = new Map<string, string>();
    for (const [field, value] of hash) {
      if (field.startsWith('d:')) fields.set(field.slice(2), value);
      else meta.set(field, value);
    }
    const expiresAt = Number(meta.get('m:e'));
    const version = Number(meta.get('m:v'));
    if (!Number.isSafeInteger(version) || !Number.isSafeInteger(expiresAt)) return undefined; // not a whole session (a write in progress cannot be seen: scripts are atomic)
    const forward = meta.get('m:f');
    const seen = meta.get('m:s');
    const userAgent = meta.get('m:a');
    return {
      fields,
      version,
      createdAt: Number(meta.get('m:c')),
      touchedAt: Number(meta.get('m:t')),
      expiresAt,
      ...(seen === undefined ? {} : { seenAt: Number(seen) }),
      ...(userAgent === undefined ? {} : { userAgent }),
      ...(forward === undefined ? {} : { forward }),
    };
  }

  async regenerate(oldKey: string, newKey: string, forward: string, forwardTtl: number, write: SessionWrite): Promise<WriteVerdict> {
    const args = [forward, String(forwardTtl), ...timesOf(write), String(write.set.size)];
    for (const [field, value] of write.set) args.push(field, value);
    return verdictOf((await this.run(REGENERATE, [oldKey, newKey], args)) as unknown[]);
  }

  async write(key: string, write: SessionWrite): Promise<WriteVerdict> {
    const args = [write.create ? '1' : '0', write.expectVersion === undefined ? '' : String(write.expectVersion), ...timesOf(write), String(write.set.size)];
    for (const [field, value] of write.set) args.push(field, value);
    args.push(...write.remove);
    return verdictOf((await this.run(WRITE, [key], args)) as unknown[]);
  }

  async take(key: string, field: string): Promise<string | undefined> {
    const value = await this.run(TAKE, [key], [field]);
    return typeof value === 'string' ? value : undefined;
  }

  async destroy(key: string): Promise<void> {
    await this.deadline(() => this.client.del(key));
  }

  async generation(userId: string): Promise<number> {
    const value = await this.deadline(() => this.client.get(this.userKey(userId, 'g')));
    return value === null || value === undefined ? 0 : Number(value);
  }

  async revokeUser(userId: string): Promise<number> {
    const generation = Number(await this.deadline(() => this.client.incr(this.userKey(userId, 'g'))));
    // The generation alone refuses every session; deleting the listed ones frees them at once.
    // One DEL per session: on a cluster they live in other slots than the index.
    const index = this.userKey(userId, 'i');
    const keys = stringsOf(await this.deadline(() => this.client.zRangeByScore(index, '-inf', '+inf')));
    await Promise.all([...keys.map((key) => this.deadline(() => this.client.del(key))), this.deadline(() => this.client.del(index))]);
    return generation;
  }

  async index(userId: string, key: string, expiresAt: number): Promise<void> {
    await this.run(INDEX, [this.userKey(userId, 'i')], [String(this.now()), key, String(expiresAt), String(MAX_INDEXED_SESSIONS)]);
  }

  async sessionsOf(userId: string): Promise<UserSession[]> {
    return (await this.held(userId)).map(([, session]) => session).sort(byLastSeen);
  }

  async endSession(userId: string, id: string): Promise<boolean> {
    const found = (await this.held(userId)).find(([key]) => familyOf(key) === id);
    if (found === undefined) return false;
    await Promise.all([this.deadline(() => this.client.del(found[0])), this.deadline(() => this.client.zRem(this.userKey(userId, 'i'), found[0]))]);
    return true;
  }

  /**
   * The user's indexed sessions that Redis still holds under that user and generation,
   * with their keys; pointers to any other (ended, regenerated, another user's now) leave
   * the index.
   */
  private async held(userId: string): Promise<Array<[string, UserSession]>> {
    const index = this.userKey(userId, 'i');
    const [keys, generation] = await Promise.all([
      this.deadline(() => this.client.zRangeByScore(index, String(this.now() + 1), '+inf')).then(stringsOf),
      this.generation(userId),
    ]);
    const found = await Promise.all(keys.map(async (key) => [key, await this.deadline(() => this.client.hmGet(key, LISTED_FIELDS))] as const));
    const held: Array<[string, UserSession]> = [];
    const stale: string[] = [];
    for (const [key, reply] of found) {
      const values = Array.isArray(reply) ? (reply as unknown[]).map((value) => (typeof value === 'string' ? value : undefined)) : [];
      const [created, touched, seen, expires, userAgent, forward, user, recorded] = values;
      const fields = new Map<string, string>();
      if (user !== undefined) fields.set(USER_KEY, user);
      if (recorded !== undefined) fields.set(GENERATION_KEY, recorded);
      if (expires === undefined || forward !== undefined || !heldBy(fields, userId, generation)) {
        stale.push(key);
        continue;
      }
      held.push([key, listed(key, { createdAt: Number(created), touchedAt: Number(touched), expiresAt: Number(expires), ...(seen === undefined ? {} : { seenAt: Number(seen) }), ...(userAgent === undefined ? {} : { userAgent }) })]);
    }
    await Promise.all(stale.map((key) => this.deadline(() => this.client.zRem(index, key))));
    return held;
  }

  /** A user's keys: `g` the generation, `i` the index; the user is the hash tag (one slot for both). */
  private userKey(userId: string, kind: 'g' | 'i'): string {
    // Encoded, so that no user id can end the hash tag early or look like another's.
    return `${this.prefix}:{u:${encodeURIComponent(userId)}}:${kind}`;
  }

  /**
   * EVALSHA of the script's SHA-1; a server that does not have it yet (a new one, a
   * restart, SCRIPT FLUSH, another cluster node) answers NOSCRIPT, and EVAL runs and
   * keeps it there.
   */
  private async run(script: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.deadline(() => this.client.evalSha(SHAS.get(script) as string, { keys, arguments: args }));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.deadline(() => this.client.eval(script, { keys, arguments: args }));
    }
  }
}

function verdictOf(reply: unknown[]): WriteVerdict {
  const [verdict, version] = reply;
  if (verdict === 'ok') return { ok: true, version: Number(version) };
  if (verdict === 'gone' || verdict === 'conflict' || verdict === 'exists') return { ok: false, reason: verdict };
  throw new Error(`the Redis script answered ${JSON.stringify(reply)}`);
}

/** A write's times and sight, as the scripts take them (ARGV[3..8]). */
function timesOf(write: SessionWrite): string[] {
  return [String(write.createdAt), String(write.touchedAt), String(write.expiresAt), String(write.ttl), String(write.seenAt), write.userAgent === undefined ? '' : write.userAgent.slice(0, MAX_USER_AGENT)];
}

function stringsOf(reply: unknown): string[] {
  return Array.isArray(reply) ? (reply as unknown[]).map(String) : [];
}

const SHAS = new Map([WRITE, REGENERATE, TAKE, INDEX].map((script) => [script, createHash('sha1').update(script).digest('hex')]));

/** A HGETALL reply as pairs: node-redis gives an object (RESP2) or a Map (RESP3). */
function entriesOf(reply: unknown): Array<[string, string]> {
  if (reply instanceof Map) return [...(reply as Map<unknown, unknown>)].map(([field, value]) => [String(field), String(value)]);
  if (typeof reply === 'object' && reply !== null) return Object.entries(reply as Record<string, unknown>).map(([field, value]) => [field, String(value)]);
  return [];
}
