// The benchmark: each server on one core (taskset -c 0), wrk on the other (taskset -c 1),
// in interleaved rounds; every server's answers are checked before it is timed.
// Writes results/RESULTS.md (or BENCH_OUT, relative to bench/). Settings: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_WARMUP (2,
// seconds of warm-up before each timed run), BENCH_CONNECTIONS (32), BENCH_ONLY (a comma list
// of server ids), BENCH_WORKLOADS (a comma list of WORKLOADS' ids, all by default).
// The servers with sessions in Redis share one redis-server that the harness starts (on
// core 1, beside wrk: see startRedis), emptied before each of them starts; around each of
// their timed runs the harness reads INFO commandstats, to count Redis commands per request.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CookieSessions, FLASK_COOKIE, ServerSessions, parseSecretSpec } from 'signet-session';
import { runCoreBench } from './core.mjs';
import { SIGNET_SECRET_KEY, userSession } from './servers/common.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// A fresh port for every start, so a server still closing never answers for the next.
let PORT = 5600;

// Ours runs with the Node flags of `npm start` (package.json), as a user runs it.
const START_FLAGS = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start.split(' ').filter((arg) => arg.startsWith('--'));

/** How many distinct users the many-users, writes and browser workloads cycle through. */
const USERS = 10_000;
// Each timed after a warm-up of its own, in this order on each start of a server. The Lua
// ones (load.lua) carry the users' sessions, one request each, in turn.
const WORKLOADS = [
  { id: 'users', title: 'Many users', path: '/sessions/user_id' },
  { id: 'writes', title: 'Writes', path: '/count' },
  { id: 'browser', title: 'Sealed as a browser uses it', path: '/sessions/user_id', jar: true },
  { id: 'steady', title: 'One user, steady state' },
  { id: 'cold', title: 'One user, cold' },
];
const SELECTED = (process.env.BENCH_WORKLOADS ?? WORKLOADS.map((w) => w.id).join(',')).split(',');
for (const id of SELECTED) if (!WORKLOADS.some((w) => w.id === id)) throw new Error(`BENCH_WORKLOADS is invalid: ${id} (one of ${WORKLOADS.map((w) => w.id).join(', ')})`);

const ALL = WORKLOADS.map((w) => w.id);
// A server with only the lesson's route: writes need GET /count.
const LESSON = ['users', 'steady', 'cold'];
// Where each server's 10,000 sessions come from (`sessions`): 'mint', its own GET /mint/:n;
// 'flask' or 'sealed', minted with signet-session with the key of signet.mjs (Flask's oracle
// app has that key too, so these are Flask's own cookies). The floors ignore them, but get
// cookies of a real size. `runs`: its workloads; 'browser' only where every answer is a new token.
const SERVERS = [
  { id: 'floor', name: 'the floor: node:http, constant answer', cmd: ['node', 'servers/floor.mjs'], constant: true, sessions: 'flask', runs: ALL },
  { id: 'fastify-floor', name: 'Fastify 5 floor: its router, constant answer', cmd: ['node', 'servers/fastify-floor.mjs'], constant: true, sessions: 'flask', runs: ALL },
  { id: 'signet', name: 'signet (Fastify 5, Flask format)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], peer: 'fastify', sessions: 'flask', runs: LESSON },
  { id: 'signet-sealed', name: 'signet, sealed format', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SESSION_FORMAT: 'sealed' }, peer: 'fastify', sessions: 'sealed', runs: [...LESSON, 'browser'] },
  // The writes on signet: an app on signet-session/fastify with a counter (signet-counter.mjs).
  { id: 'signet-counter', name: 'signet-session/fastify app, Flask format', cmd: ['node', ...START_FLAGS, 'servers/signet-counter.mjs'], peer: 'fastify', sessions: 'flask', runs: ['writes'] },
  { id: 'signet-counter-sealed', name: 'signet-session/fastify app, sealed format', cmd: ['node', ...START_FLAGS, 'servers/signet-counter.mjs'], env: { SESSION_FORMAT: 'sealed' }, peer: 'fastify', sessions: 'sealed', runs: ['writes'] },
  { id: 'fastify', name: 'Fastify 5 + @fastify/secure-session', cmd: ['node', 'servers/fastify-secure-session.mjs'], sessions: 'mint', runs: ALL },
  // The lesson on the other frameworks (SIGNET_FRAMEWORK), each beside its own peer.
  // Each framework's own floor: its router answering constant bytes, no session.
  { id: 'hono-floor', name: 'Hono 4 floor: its router, constant answer', cmd: ['node', 'servers/hono-floor.mjs'], constant: true, sessions: 'flask', runs: LESSON },
  { id: 'express-floor', name: 'Express 5 floor: its router, constant answer', cmd: ['node', 'servers/express-floor.mjs'], constant: true, sessions: 'flask', runs: LESSON },
  { id: 'signet-hono', name: 'signet on Hono 4 (signet-session/hono, Flask format)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SIGNET_FRAMEWORK: 'hono' }, peer: 'hono', sessions: 'flask', runs: LESSON },
  { id: 'hono', name: 'Hono + signed cookies', cmd: ['node', 'servers/hono.mjs'], sessions: 'mint', runs: ['users', 'writes', 'steady', 'cold'] },
  { id: 'signet-express', name: 'signet on Express 5 (signet-session/express, Flask format)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SIGNET_FRAMEWORK: 'express' }, peer: 'express', sessions: 'flask', runs: LESSON },
  { id: 'express', name: 'Express 5 + cookie-session', cmd: ['node', 'servers/express-cookie-session.mjs'], sessions: 'mint', runs: ['users', 'writes', 'steady', 'cold'] },
  { id: 'iron', name: 'iron-session 8 (node:http)', cmd: ['node', 'servers/iron-session.mjs'], sessions: 'mint', runs: ALL },
  { id: 'flask', name: 'Flask 2.2 + gunicorn (1 worker)', cmd: ['/usr/bin/gunicorn', '-w', '1', '-b', '127.0.0.1:$PORT', '--chdir', '../test/oracle', 'lesson_app:app'], sessions: 'flask', runs: LESSON },
  // Sessions in Redis (`redis`: given REDIS_URL, the harness's redis-server, emptied before
  // each start), against what a user would put on Redis instead (REDIS_PEERS); their own
  // section of the results. Ours: the lesson server with SESSION_TYPE=redis, its sessions
  // made by the server itself ('lesson', see mintSessions); the writes on the counter app
  // with signet-session/redis, which mints on GET /mint/:n as the peers do.
  { id: 'signet-redis', name: 'signet, sessions in Redis (SESSION_TYPE=redis, Fastify 5)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SESSION_TYPE: 'redis' }, redis: true, sessions: 'lesson', runs: LESSON },
  { id: 'signet-counter-redis', name: 'signet-session/fastify app, sessions in Redis (signet-session/redis)', cmd: ['node', ...START_FLAGS, 'servers/signet-counter.mjs'], env: { SESSION_TYPE: 'redis' }, redis: true, sessions: 'mint', runs: ['writes'] },
  { id: 'express-session-redis', name: 'Express 5 + express-session + connect-redis', cmd: ['node', 'servers/express-session-redis.mjs'], redis: true, sessions: 'mint', runs: ['users', 'writes', 'steady', 'cold'] },
  { id: 'fastify-session-redis', name: 'Fastify 5 + @fastify/session + connect-redis', cmd: ['node', 'servers/fastify-session-redis.mjs'], redis: true, sessions: 'mint', runs: ['users', 'writes', 'steady', 'cold'] },
]
  .map((s) => ({ ...s, runs: s.runs.filter((id) => SELECTED.includes(id)) }))
  .filter((s) => s.runs.length > 0 && (process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY.split(',').includes(s.id)));
/** The Redis section's comparisons: every row of it against each of these, in the same run. */
const REDIS_PEERS = ['express-session-redis', 'fastify-session-redis'];
const REDIS_PEER_NAMES = { 'express-session-redis': 'express-session + connect-redis', 'fastify-session-redis': '@fastify/session + connect-redis' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The harness's own keep-alive connections, dropped before each wrk run: wrk blocks this
// process, so a server's keep-alive timeout (5 s on node:http) could close one unseen, and
// the next request on it would fail with "socket hang up".
let agent = new Agent({ keepAlive: true });
function dropConnections() {
  agent.destroy();
  agent = new Agent({ keepAlive: true });
}

function get(path, cookie) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, agent, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The name=value pairs of an answer's session cookies. */
const sessionPairs = (answer) => (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).filter((pair) => /^session[=.]/.test(pair));

/** How many starts so far: a Redis server's sessions are minted again on each (Redis is emptied before it). */
let starts = 0;

async function start(server) {
  PORT += 1;
  starts += 1;
  const cmd = server.cmd.map((arg) => arg.replace('$PORT', String(PORT)));
  const env = { ...process.env, PORT: String(PORT), ...(server.redis ? { REDIS_URL: redis.url } : {}), ...server.env };
  const child = spawn('taskset', ['-c', '0', ...cmd], { cwd: here, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (child.exitCode !== null) throw new Error(`${server.id} exited: ${stderr}`);
    try {
      await get('/sessions/hello');
      return child;
    } catch {}
  }
  child.kill('SIGKILL');
  throw new Error(`${server.id} did not start: ${stderr}`);
}

async function stop(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

// The Redis servers' one redis-server: Debian's, on a free port, with nothing persisted
// (--save '', --appendonly no; its folder is the run's temporary one). Pinned to core 1,
// beside wrk, for every Redis server alike: core 0 stays the measured server's alone, as
// for every other server (Redis is another machine in a real deployment, and on core 0 its
// work, which differs between the peers' commands, would be charged to the server). The
// price: wrk and Redis share a core, so the Redis tables give core 1's busy share during
// each timed run; near 100 %, they would be the limit, not the server.
const REDIS_CORE = '1';
/** `{ child, url, client, version }` while the run has Redis servers. */
let redis;
let redisVersion = 'unknown';

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('taskset', ['-c', REDIS_CORE, 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const url = `redis://127.0.0.1:${port}`;
  const { createClient } = await import('redis');
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => {}); // a failed command rejects; the harness stops on it
    try {
      await client.connect();
      const version = /redis_version:(\S+)/.exec(await client.sendCommand(['INFO', 'server']))?.[1] ?? 'unknown';
      return { child, url, client, version };
    } catch {}
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start: ${stderr}`);
}

async function stopRedis() {
  if (redis === undefined) return;
  redis.client.destroy();
  await stop(redis.child);
  redis = undefined;
}

// The commands signet-session/redis's Lua scripts run. Redis 7.0's INFO commandstats counts
// a script's own commands too, beside its EVALSHA: in a run that ran scripts, these are
// counted as run inside them, not as sent by the server (the store sends none of them
// itself in these workloads; the peers run no scripts).
let scriptCommands;
function scriptCommandsOf() {
  scriptCommands ??= new Set([...readFileSync(fileURLToPath(import.meta.resolve('signet-session/redis')), 'utf8').matchAll(/redis\.call\('([A-Z]+)'/g)].map((m) => m[1].toLowerCase()));
  return scriptCommands;
}
const SCRIPT_CALLS = ['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'];

/** Busy and all clock ticks of a core so far (/proc/stat; idle and iowait are not busy). */
function coreTicks(core) {
  const fields = new RegExp(`^cpu${core} (.*)$`, 'm').exec(readFileSync('/proc/stat', 'utf8'))[1].trim().split(/\s+/).map(Number);
  const all = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: all - fields[3] - fields[4], all };
}
/** A process's user + system CPU so far, in clock ticks (/proc/PID/stat). */
const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const redisCpuSeconds = (info) => Number(/used_cpu_user:([\d.]+)/.exec(info)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)[1]);

/**
 * A Redis server's timed run, with what it cost Redis: the commands per request wrk
 * completed (INFO commandstats, reset just before; the harness's own CONFIG and INFO left
 * out), those the server sent and those its scripts ran, the server's and Redis's CPU µs per
 * request, and how busy core 1 (wrk and Redis) was. The requests still in flight when wrk stops (at most
 * one per connection) may have sent commands too: a few per thousand over, at most. Those of
 * the run before (a warm-up, another workload) are let finish before the count starts.
 */
async function timedWithRedis(load, pid) {
  await sleep(200);
  await redis.client.sendCommand(['CONFIG', 'RESETSTAT']);
  const cpuBefore = redisCpuSeconds(await redis.client.sendCommand(['INFO', 'cpu']));
  const coreBefore = coreTicks(REDIS_CORE);
  const serverBefore = cpuTicks(pid);
  const result = wrk(load);
  const serverAfter = cpuTicks(pid);
  const coreAfter = coreTicks(REDIS_CORE);
  const stats = await redis.client.sendCommand(['INFO', 'commandstats']);
  const cpuAfter = redisCpuSeconds(await redis.client.sendCommand(['INFO', 'cpu']));
  const calls = {};
  for (const [, name, count] of stats.matchAll(/^cmdstat_([^:\r]+):calls=(\d+)/gm)) {
    if (name !== 'info' && !name.startsWith('config')) calls[name] = Number(count) / result.requests;
  }
  const scripted = SCRIPT_CALLS.some((name) => calls[name] > 0);
  const sentCalls = {};
  const scriptCalls = {};
  for (const [name, perRequest] of Object.entries(calls)) (scripted && scriptCommandsOf().has(name) ? scriptCalls : sentCalls)[name] = perRequest;
  const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  const core1 = (coreAfter.busy - coreBefore.busy) / Math.max(1, coreAfter.all - coreBefore.all);
  const serverUs = ((serverAfter - serverBefore) * 1e6) / CLOCK_TICKS / result.requests;
  return { ...result, redis: { sentCalls, scriptCalls, sent: sum(sentCalls), inScripts: sum(scriptCalls), cpuUs: ((cpuAfter - cpuBefore) * 1e6) / result.requests, core1, serverUs } };
}

/** The lesson's contract, checked on every server before timing: returns the steady-state Cookie header. */
async function check(server) {
  const first = await get('/sessions/hello');
  const fail = (why) => {
    throw new Error(`${server.id} answers wrongly: ${why}\n${JSON.stringify(first).slice(0, 500)}`);
  };
  if (first.status !== 200) fail(`status ${first.status}`);
  const body = JSON.parse(first.body);
  if (body.session?.session_value !== 'World' || body.session?.session_key !== 'hello') fail('session_value is not World');
  const setCookie = first.headers['set-cookie'] ?? [];
  const session = sessionPairs(first);
  const mouse = setCookie.map((c) => c.split(';')[0]).find((p) => p.startsWith('mouse='));
  if (!session.some((p) => p.startsWith('session=')) || mouse !== 'mouse=Cookie') fail(`Set-Cookie lacks session or mouse: ${setCookie}`);
  // All the session's cookies: cookie-session's signature is a second one, session.sig.
  const cookie = [...session, mouse].join('; ');
  if (server.constant) return cookie; // the floor answers the same bytes whatever comes in
  const second = await get('/sessions/goodnight', cookie);
  const again = JSON.parse(second.body);
  if (second.status !== 200 || again.session?.session_value !== 'Moon') fail('the return visit lost the session');
  const echoed = again.cookies.map((c) => Object.keys(c)[0]);
  if (!echoed.includes('session') || !echoed.includes('mouse')) fail('the return visit does not echo the cookies');
  const forged = await get('/sessions/hello', cookie.replace(/session=./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A')));
  if (forged.status !== 200 || JSON.parse(forged.body).session?.session_value !== 'World') fail('a forged session cookie is not ignored');
  return cookie;
}

/**
 * One wrk run of `seconds`: `{ cookie }` sends that Cookie header on every request to
 * /sessions/hello (the one-user runs; none for cold), `{ path, file, jar }` runs load.lua.
 */
function wrk(load, seconds = SECONDS) {
  dropConnections();
  const url = `http://127.0.0.1:${PORT}`;
  const target = load.file === undefined ? [...(load.cookie ? ['-H', `Cookie: ${load.cookie}`] : []), `${url}/sessions/hello`] : ['-s', 'load.lua', url, '--', load.path, load.file, ...(load.jar ? ['jar'] : [])];
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...target], { cwd: here, encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]] : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (errors) throw new Error(`wrk saw ${errors[1]} non-2xx answers`);
  const jar = /jar: (\d+) updated, (\d+) unmatched, (\d+) missing/.exec(out);
  return { rps, p99ms, requests, ...(jar ? { jar: { updated: Number(jar[1]), unmatched: Number(jar[2]), missing: Number(jar[3]) } } : {}) };
}

function rssMb(pid) {
  // The server's whole process tree (gunicorn forks a worker): VmRSS of each, in MiB.
  const tree = new Set([String(pid)]);
  for (const p of tree) for (const child of childrenOf(p)) tree.add(child);
  let total = 0;
  for (const p of tree) total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return total;
}
function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', pid], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};


const users = Array.from({ length: USERS }, (_, i) => i + 1);

/** Runs `task` on every item, `width` at a time (the servers answer several connections at once). */
async function inPool(items, width, task) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await task(items[next++]);
  }));
}

/** The Cookie headers of users 1 to USERS (index n - 1), in the server's own cookies. */
async function mintSessions(server) {
  if (server.sessions === 'lesson') {
    // Made by the lesson server itself: on user n's first visit (GET /sessions/hello, no
    // cookie) it stores a new session in Redis and sets its cookie. The lesson has no route
    // that sets a user's keys, so the harness then sets user n's id and list in that session
    // as an app's route would: with signet-session's ServerSessions and RedisStore, the
    // server's key and the lesson's cookie, over the same Redis (the store's own script,
    // only the changed keys). What Redis holds is what the server would have stored had a
    // route set them; that the server reads every user back is checked (sessionsFor).
    const { RedisStore } = await import('signet-session/redis');
    const sessions = new ServerSessions({ secret: parseSecretSpec(SIGNET_SECRET_KEY), store: new RedisStore(redis.client), cookie: FLASK_COOKIE });
    const headers = [];
    await inPool(users, 8, async (n) => {
      const answer = await get('/sessions/hello');
      const pair = sessionPairs(answer).find((p) => p.startsWith('session='));
      if (answer.status !== 200 || pair === undefined) throw new Error(`${server.id} made no session for user ${n}: ${answer.status} ${answer.headers['set-cookie']}`);
      const { session, loaded, rejected } = await sessions.open(pair.slice('session='.length));
      if (rejected !== undefined || loaded.stored === undefined) throw new Error(`${server.id}'s session for user ${n} is not in Redis: ${rejected?.message}`);
      for (const [key, value] of Object.entries(userSession(n))) session.set(key, value);
      const saved = await sessions.save(session, loaded);
      if (saved.setCookie !== undefined || saved.ended === true) throw new Error(`user ${n}'s keys were not stored in ${server.id}'s session: ${JSON.stringify(saved)}`);
      headers[n - 1] = pair;
    });
    return headers;
  }
  if (server.sessions === 'mint') {
    const headers = [];
    await inPool(users, 8, async (n) => {
      const answer = await get(`/mint/${n}`);
      const pairs = sessionPairs(answer);
      if (answer.status !== 200 || pairs.length === 0) throw new Error(`${server.id} did not mint user ${n}: ${answer.status} ${answer.headers['set-cookie']}`);
      headers[n - 1] = pairs.join('; '); // cookie-session's is two cookies: session and session.sig
    });
    return headers;
  }
  // The lesson's 16-byte key is weak on purpose (Flask's own cookies): no warning.
  const sessions = new CookieSessions({ secret: parseSecretSpec(SIGNET_SECRET_KEY), format: server.sessions, cookie: FLASK_COOKIE, warn: () => {} });
  return users.map((n) => {
    const { session } = sessions.open(undefined);
    for (const [key, value] of Object.entries(userSession(n))) session.set(key, value);
    return sessions.save(session).setCookie.split(';')[0];
  });
}

// Minted once a run for each source (a peer's own, or a format of ours), in a file for load.lua.
const sessionDir = mkdtempSync(join(tmpdir(), 'signet-bench-'));
const minted = new Map();
const checkedAll = new Set();

/** The server's users' sessions, each checked on this server (a sample, after its first start). */
async function sessionsFor(server) {
  const source = server.sessions === 'mint' || server.sessions === 'lesson' ? server.id : server.sessions;
  // A Redis server's sessions are in Redis, emptied before each start: minted on each.
  if (!minted.has(source) || (server.redis && minted.get(source).start !== starts)) {
    const headers = await mintSessions(server);
    const file = join(sessionDir, `${source}.txt`);
    writeFileSync(file, headers.join('\n') + '\n');
    minted.set(source, { headers, file, start: starts });
  }
  const sessions = minted.get(source);
  if (server.constant) return sessions;
  const checked = checkedAll.has(server.id) ? users.filter((n) => n % 100 === 1) : users;
  await inPool(checked, 8, async (n) => {
    const answer = await get('/sessions/user_id', `${sessions.headers[n - 1]}; mouse=Cookie`);
    if (answer.status !== 200 || JSON.parse(answer.body).session?.session_value !== n) throw new Error(`${server.id} does not accept user ${n}'s session: ${answer.status} ${answer.body.slice(0, 300)}`);
  });
  checkedAll.add(server.id);
  return sessions;
}

/**
 * Before the writes: GET /count counts, and the cookie it sets counts on. A session in
 * Redis keeps its id, so its server need not set the cookie again: then the same one does.
 */
async function checkWrites(server, sessions) {
  let cookie = sessions.headers[0];
  for (const visits of [1, 2]) {
    const answer = await get('/count', `${cookie}; mouse=Cookie`);
    const pairs = sessionPairs(answer);
    if (answer.status !== 200 || JSON.parse(answer.body).visits !== visits || (pairs.length === 0 && !server.redis)) throw new Error(`${server.id} does not count: visit ${visits} gave ${answer.status} ${answer.body} ${answer.headers['set-cookie']}`);
    if (pairs.length > 0) cookie = pairs.join('; ');
  }
}

/** Before the browser workload: every answer a new token, set last (load.lua reads only the last Set-Cookie), accepted back. */
async function checkBrowser(server, sessions) {
  let token = sessions.headers[0];
  for (let visit = 1; visit <= 2; visit++) {
    const answer = await get('/sessions/user_id', `${token}; mouse=Cookie`);
    const last = (answer.headers['set-cookie'] ?? []).at(-1)?.split(';')[0] ?? '';
    if (JSON.parse(answer.body).session?.session_value !== 1) throw new Error(`${server.id} lost user 1's session on visit ${visit}`);
    if (!last.startsWith('session=') || last === token) throw new Error(`${server.id}'s last Set-Cookie is not a new session token: ${answer.headers['set-cookie']}`);
    token = last;
  }
}

/** One workload on a started server: its check, a warm-up, then the timed run. */
async function measure(server, workload, cookie, pid) {
  const timed = (load) => (server.redis ? timedWithRedis(load, pid) : wrk(load));
  if (workload.id === 'steady' || workload.id === 'cold') {
    const load = workload.id === 'steady' ? { cookie } : {};
    if (workload.id === 'steady' && WARMUP > 0) wrk(load, WARMUP);
    return timed(load);
  }
  const sessions = await sessionsFor(server);
  if (!server.constant && workload.id === 'writes') await checkWrites(server, sessions);
  if (!server.constant && workload.jar) await checkBrowser(server, sessions);
  const load = { path: workload.path, file: sessions.file, jar: workload.jar };
  if (WARMUP > 0) wrk(load, WARMUP);
  const result = await timed(load);
  if (workload.jar) {
    // Each answer must have given its user a new token; the floors' answers name no user.
    const jar = result.jar;
    if (jar === undefined || jar.missing > 0 || jar.updated === 0 || (!server.constant && jar.unmatched > 0)) throw new Error(`${server.id}: the browser load did not send back the newest tokens: ${JSON.stringify(jar)}`);
  }
  return result;
}

const began = performance.now();
const results = new Map(SERVERS.map((s) => [s.id, { rss: [], ...Object.fromEntries(s.runs.map((id) => [id, { rps: [], p99: [], redis: [] }])) }]));
try {
  if (SERVERS.some((s) => s.redis)) ({ version: redisVersion } = redis = await startRedis(sessionDir));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const server of SERVERS) {
      // Each Redis server starts on an empty Redis (the scripts the last one loaded stay, as on a Redis already in use).
      if (server.redis) await redis.client.sendCommand(['FLUSHALL']);
      const child = await start(server);
      try {
        const cookie = await check(server);
        const r = results.get(server.id);
        const said = [];
        for (const workload of WORKLOADS.filter((w) => server.runs.includes(w.id))) {
          const { rps, p99ms, redis: cost } = await measure(server, workload, cookie, child.pid);
          r[workload.id].rps.push(rps);
          r[workload.id].p99.push(p99ms);
          if (cost !== undefined) r[workload.id].redis.push(cost);
          said.push(`${workload.id} ${rps.toFixed(0)}/s p99 ${p99ms.toFixed(2)}ms${cost === undefined ? '' : ` ${cost.serverUs.toFixed(0)} CPU µs/req, Redis ${cost.sent.toFixed(2)} sent (+${cost.inScripts.toFixed(2)} in scripts)/req, core 1 ${(cost.core1 * 100).toFixed(0)}% busy`}`);
        }
        r.rss.push(rssMb(child.pid));
        process.stderr.write(`round ${round} ${server.id}: ${said.join(', ')}, RSS ${r.rss.at(-1).toFixed(1)} MiB\n`);
      } finally {
        await stop(child);
      }
    }
  }
} finally {
  await stopRedis();
  rmSync(sessionDir, { recursive: true, force: true });
}
const minutes = (performance.now() - began) / 60000;

// A median of this run, or undefined where the server did not run the workload.
const med = (id, workload, field = 'rps') => {
  const values = results.get(id)?.[workload]?.[field];
  return values === undefined || values.length === 0 ? undefined : median(values);
};
const cell = (value, digits = 0) => (value === undefined ? '' : value.toFixed(digits));
const ratio = (value, base) => (value === undefined || base === undefined ? '' : (value / base).toFixed(2));

// The cookie servers' tables, then the Redis servers' section (redisTable).
const COOKIE_SERVERS = SERVERS.filter((s) => !s.redis);
const REDIS_SERVERS = SERVERS.filter((s) => s.redis);

/** A workload's table: against the floor, the closest peer (Fastify + secure-session) and, for signet, its framework's peer. */
function workloadTable(workload) {
  const rows = COOKIE_SERVERS.filter((s) => s.runs.includes(workload)).map((s) => {
    const rps = med(s.id, workload);
    return `| ${s.name} | ${cell(rps)} | ${ratio(rps, med('floor', workload))} | ${ratio(rps, med('fastify', workload))} | ${s.peer === undefined ? '' : ratio(rps, med(s.peer, workload))} | ${cell(med(s.id, workload, 'p99'), 2)} |`;
  });
  return ['| server | req/s | x floor | x Fastify + secure-session | x peer | p99 ms |', '|---|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

/** Today's table: one user, steady and cold, and the memory after all of a server's workloads. */
function oneUserTable() {
  const rows = COOKIE_SERVERS.filter((s) => s.runs.includes('steady') || s.runs.includes('cold')).map((s) => {
    const cells = ['steady', 'cold'].map((w) => {
      const rps = med(s.id, w);
      return `${cell(rps)} | ${ratio(rps, med('floor', w))} | ${s.peer === undefined ? '' : ratio(rps, med(s.peer, w))}`;
    });
    const rss = median(results.get(s.id).rss);
    return `| ${s.name} | ${cells[0]} | ${cell(med(s.id, 'steady', 'p99'), 2)} | ${cells[1]} | ${rss.toFixed(1)} | ${ratio(rss, results.get('floor') ? median(results.get('floor').rss) : undefined)} |`;
  });
  return ['| server | steady req/s | x floor | x peer | p99 ms | cold req/s | x floor | x peer | RSS MiB | x floor |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

const ABOUT = {
  users: `${USERS.toLocaleString('en-US')} distinct valid sessions, each \`${JSON.stringify(userSession(1)).replace('1', 'n')}\` in the server's own cookies, each request the next user's: \`GET /sessions/user_id\` with \`session=…; mouse=Cookie\`. The headline: what a server with many users sees.`,
  writes: `\`GET /count\` increments a page-view counter in the session, so every answer carries a changed session. Each request is the next of the same ${USERS.toLocaleString('en-US')} users' minted sessions: the client does not send back what it got (wrk keeps one Set-Cookie per answer, and cookie-session's session is two), so each answer counts one more than its minted session.`,
  browser: `\`GET /sessions/user_id\` over the same ${USERS.toLocaleString('en-US')} users, each sending back the newest token it was given, as a browser does: every request a token never seen before. For the servers whose every answer is a new token (signet sealed, Fastify + secure-session, iron-session).`,
  steady: 'One user: the client sends back its session and mouse cookies, the same bytes on every request.',
  cold: 'No cookies, so every answer mints a session.',
};
const sections = WORKLOADS.filter((w) => SELECTED.includes(w.id) && w.path !== undefined && COOKIE_SERVERS.some((s) => s.runs.includes(w.id)))
  .map((w) => `## ${w.title}\n\n${ABOUT[w.id]}\n\n${workloadTable(w.id)}\n`);
if (COOKIE_SERVERS.some((s) => s.runs.includes('steady') || s.runs.includes('cold'))) {
  sections.push(`## One user: steady state and cold\n\n${ABOUT.steady} Cold: ${ABOUT.cold.toLowerCase()} p99 at steady state. RSS: the server's resident memory after all its workloads.\n\n${oneUserTable()}\n`);
}
/** The medians of a Redis server's costs in a workload, over the rounds (a command a round did not see counts 0 there). */
function redisCost(id, workload) {
  const costs = results.get(id)?.[workload]?.redis ?? [];
  if (costs.length === 0) return undefined;
  const medians = (field) => {
    const names = new Set(costs.flatMap((c) => Object.keys(c[field])));
    return Object.fromEntries([...names].map((name) => [name, median(costs.map((c) => c[field][name] ?? 0))]));
  };
  const of = (field) => median(costs.map((c) => c[field]));
  return { sentCalls: medians('sentCalls'), scriptCalls: medians('scriptCalls'), sent: of('sent'), inScripts: of('inScripts'), cpuUs: of('cpuUs'), core1: of('core1'), serverUs: of('serverUs') };
}
const callList = (calls) => Object.entries(calls).sort(([, a], [, b]) => b - a).map(([name, perRequest]) => `${name.toUpperCase()} ${perRequest.toFixed(2)}`).join(', ');

/** The Redis servers' table of a workload: against each Redis peer, and what each request cost Redis. */
function redisTable(workload) {
  const rows = REDIS_SERVERS.filter((s) => s.runs.includes(workload)).map((s) => {
    const rps = med(s.id, workload);
    const cost = redisCost(s.id, workload);
    const ratios = REDIS_PEERS.map((peer) => ratio(rps, med(peer, workload))).join(' | ');
    const costCells = cost === undefined ? ' |  |  |  |  |  |' : ` ${cost.serverUs.toFixed(0)} | ${cost.sent.toFixed(2)} | ${callList(cost.sentCalls)} | ${callList(cost.scriptCalls)} | ${cost.cpuUs.toFixed(1)} | ${(cost.core1 * 100).toFixed(0)} |`;
    return `| ${s.name} | ${cell(rps)} | ${ratios} | ${cell(med(s.id, workload, 'p99'), 2)} |${costCells}`;
  });
  const peerNames = REDIS_PEERS.map((peer) => `x ${REDIS_PEER_NAMES[peer]}`).join(' | ');
  return [
    `| server | req/s | ${peerNames} | p99 ms | server CPU µs / request | Redis commands sent / request | each / request | run inside its Lua scripts / request | Redis CPU µs / request | core 1 busy % |`,
    `|---|---:|${REDIS_PEERS.map(() => '---:').join('|')}|---:|---:|---:|---|---|---:|---:|`,
    ...rows,
  ].join('\n');
}

function redisSection() {
  const tables = WORKLOADS.filter((w) => REDIS_SERVERS.some((s) => s.runs.includes(w.id))).map((w) => `### ${w.title}\n\n${redisTable(w.id)}\n`);
  return `## Sessions in Redis

The many-users, writes, steady and cold workloads with the sessions in Redis: ours, the lesson server with \`SESSION_TYPE=redis\` and, for the writes, the counter app on \`signet-session/redis\`; against Express 5 + express-session and Fastify 5 + @fastify/session, each on connect-redis's store (resave false, saveUninitialized false; @fastify/session's counterpart, rolling false). Every server's client is node-redis 6. One redis-server ${redisVersion} (Debian's, \`--save '' --appendonly no\`) pinned to core 1 beside wrk, emptied (FLUSHALL) before each server starts; the servers on core 0 as above. Every server's answers are checked first, as above. Many users: each peer mints its users on \`GET /mint/:n\`; the lesson server makes each session itself on a first visit (\`GET /sessions/hello\`, no cookie), and the harness then sets user n's id and list in it with signet-session's \`ServerSessions\` over the same Redis, as an app's route would (the lesson has none that does). Writes: the client sends the same cookie back, so the counts go on in Redis.

Commands per request: \`INFO commandstats\`, reset just before each timed run, over the requests wrk completed (those in flight at its end add a few per thousand at most). Redis 7.0 counts the commands a Lua script runs as well as the EVALSHA that ran it: *sent* are the commands the server sent (an EVALSHA once), *run inside its Lua scripts* those that signet-session/redis's scripts ran. Each command sent is one network exchange; a request waits for one at a time unless it sends several at once. Server CPU and Redis CPU: each one's user and system time per request (on a machine shared with other work, steadier than req/s). Core 1 busy: wrk's and Redis's core during the timed run (near 100 %, they would be the limit rather than the server).

${tables.join('\n')}`;
}

if (REDIS_SERVERS.length > 0) sections.push(redisSection());
const core = await runCoreBench();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const report = `# Benchmark results

${new Date().toISOString().slice(0, 10)}, ${machine}. Each server pinned to core 0, wrk (1 thread,
${CONNECTIONS} connections, ${SECONDS} s, each after a ${WARMUP} s warm-up) pinned to core 1; median of ${ROUNDS}
interleaved rounds; ${minutes.toFixed(1)} minutes. The many-users, writes and browser loads are bench/load.lua,
which formats every request once, in wrk's init; the floors run it too, so the load generator
costs the same on both sides. x floor: against node:http's constant answer. x peer: signet on a
framework against that framework's usual session library, in the same run.

${sections.join('\n')}
## The core, one core, no HTTP

${core}
`;
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
// BENCH_OUT: another file for a partial run (BENCH_ONLY), so the committed full table stays.
writeFileSync(new URL(process.env.BENCH_OUT ?? 'results/RESULTS.md', import.meta.url), report);
process.stdout.write(report);
