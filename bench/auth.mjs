// The authentication lesson's bench (issue 13): POST /login, bound by scrypt (so the
// hashes per second are the real limit, measured alone too), and GET /check_session for
// a logged-in user, on the lesson server (cookie sessions, and SESSION_TYPE=redis) and on
// the same routes built with Express + express-session + connect-redis
// (servers/express-auth-redis.mjs). Each server pinned to core 0, wrk and redis-server to
// core 1, the lesson server with LOGIN_LIMIT=off (the peer has no limit). Writes results/AUTH.md. Settings: BENCH_SECONDS (5), BENCH_LOGIN_SECONDS (10).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LOGIN_SECONDS = Number(process.env.BENCH_LOGIN_SECONDS ?? 10);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(join(tmpdir(), 'signet-auth-bench-'));

async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function call(port, method, path, { json, cookie } = {}) {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method, headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, cookie: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('session=')), body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function start(cmd, env) {
  const port = await freePort();
  const child = spawn('taskset', ['-c', '0', ...cmd], { cwd: here, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_REQUESTS: '0', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (child.exitCode !== null) throw new Error(`${cmd.join(' ')} exited: ${stderr}`);
    try {
      await call(port, 'GET', '/sessions/hello');
      return { port, child };
    } catch {}
  }
  throw new Error(`${cmd.join(' ')} did not start: ${stderr}`);
}

async function stop(child) {
  child.kill('SIGTERM');
  await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(3000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Logins for `seconds`, `width` at a time (libuv's four threads run the scrypts): logins per second. */
async function logins(port, width = 4) {
  let done = 0;
  const until = Date.now() + LOGIN_SECONDS * 1000;
  await Promise.all(Array.from({ length: width }, async () => {
    while (Date.now() < until) {
      const answer = await call(port, 'POST', '/login', { json: { username: 'bench', password: 'correct horse battery' } });
      if (answer.status !== 200) throw new Error(`login answered ${answer.status}: ${answer.body}`);
      done++;
    }
  }));
  return done / LOGIN_SECONDS;
}

function wrk(port, cookie) {
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', '-c32', `-d${SECONDS}s`, '--latency', '-H', `Cookie: ${cookie}`, `http://127.0.0.1:${port}/check_session`], { encoding: 'utf8' });
  if (/Non-2xx or 3xx responses: (\d+)/.test(out)) throw new Error(`check_session answered non-2xx: ${out}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
}

// scrypt alone, at the lessons' parameters, in a process pinned to core 0 as the servers are.
const hashes = Number(execFileSync('taskset', ['-c', '0', 'node', '-e', `
const { scrypt } = require('node:crypto'); const N = 2 ** 17; const o = { N, r: 8, p: 1, maxmem: 128 * 8 * (N + 2) + 128 * 8 };
let n = 0; const until = Date.now() + ${LOGIN_SECONDS * 1000}; const t0 = Date.now();
const one = () => scrypt('correct horse battery', 'salt of sixteen!', 32, o, () => { n++; if (Date.now() < until) one(); else if (--open === 0) console.log(n / ((Date.now() - t0) / 1000)); });
let open = 4; for (let i = 0; i < 4; i++) one();`], { encoding: 'utf8' }).trim());

const redisPort = await freePort();
const redis = spawn('taskset', ['-c', '1', 'redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await sleep(500);
const REDIS_URL = `redis://127.0.0.1:${redisPort}`;
const START_FLAGS = ['--max-semi-space-size=64'];
const SERVERS = [
  { name: 'signet lesson server, cookie sessions (Fastify 5)', cmd: ['node', ...START_FLAGS, '../apps/lesson/dist/src/server/main.js'], env: { SECRET_KEY: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f', DATABASE_PATH: join(dir, 'cookie.sqlite3'), LOGIN_LIMIT: 'off' } },
  { name: 'signet lesson server, SESSION_TYPE=redis (Fastify 5)', cmd: ['node', ...START_FLAGS, '../apps/lesson/dist/src/server/main.js'], env: { SECRET_KEY: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f', DATABASE_PATH: join(dir, 'redis.sqlite3'), SESSION_TYPE: 'redis', REDIS_URL, LOGIN_LIMIT: 'off' } },
  { name: 'Express 5 + express-session + connect-redis', cmd: ['node', 'servers/express-auth-redis.mjs'], env: { REDIS_URL } },
];
const rows = [];
try {
  for (const server of SERVERS) {
    const { port, child } = await start(server.cmd, server.env);
    try {
      const signup = await call(port, 'POST', '/signup', { json: { username: 'bench', password: 'correct horse battery', password_confirmation: 'correct horse battery' } });
      if (signup.status !== 201) throw new Error(`${server.name}: signup answered ${signup.status}: ${signup.body}`);
      const loginRate = await logins(port);
      const login = await call(port, 'POST', '/login', { json: { username: 'bench', password: 'correct horse battery' } });
      const check = await call(port, 'GET', '/check_session', { cookie: login.cookie });
      if (check.status !== 200) throw new Error(`${server.name}: check_session answered ${check.status}`);
      rows.push({ name: server.name, loginRate, check: wrk(port, login.cookie) });
      process.stdout.write(`${server.name}: ${loginRate.toFixed(2)} logins/s, check_session ${rows.at(-1).check} req/s\n`);
    } finally {
      await stop(child);
    }
  }
} finally {
  redis.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
const peer = rows.at(-1);
const report = `# The authentication lesson's bench

${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}: \`cd bench && node auth.mjs\`. Each server on core 0; wrk (32 connections, ${SECONDS} s) and one redis-server on core 1. Logins: 4 at a time for ${LOGIN_SECONDS} s (scrypt runs on libuv's four threads, all on core 0 here).

scrypt alone at N=2^17, r=8, p=1, four at a time on core 0: **${hashes.toFixed(2)} hashes/s**, the limit of any login.

| server | POST /login per s | GET /check_session req/s | x peer |
|---|---:|---:|---:|
${rows.map((row) => `| ${row.name} | ${row.loginRate.toFixed(2)} | ${Math.round(row.check)} | ${(row.check / peer.check).toFixed(2)} |`).join('\n')}
`;
writeFileSync(new URL('results/AUTH.md', import.meta.url), report);
process.stdout.write(report);
