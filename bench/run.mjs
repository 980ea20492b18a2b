// The benchmark: each server on one core (taskset -c 0), wrk on the other (taskset -c 1),
// in interleaved rounds; every server's answers are checked before it is timed.
// Writes results/RESULTS.md. Settings: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONNECTIONS (32),
// BENCH_ONLY (a comma list of server ids).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCoreBench } from './core.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// A fresh port for every start, so a server still closing never answers for the next.
let PORT = 5600;

// Ours runs with the Node flags of `npm start` (package.json), as a user runs it.
const START_FLAGS = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start.split(' ').filter((arg) => arg.startsWith('--'));

const SERVERS = [
  { id: 'floor', name: 'the floor: node:http, constant answer', cmd: ['node', 'servers/floor.mjs'], constant: true },
  { id: 'signet', name: 'signet (Fastify 5, Flask format)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], peer: 'fastify' },
  { id: 'signet-sealed', name: 'signet, sealed format', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SESSION_FORMAT: 'sealed' }, peer: 'fastify' },
  { id: 'fastify', name: 'Fastify 5 + @fastify/secure-session', cmd: ['node', 'servers/fastify-secure-session.mjs'] },
  // The lesson on the other frameworks (SIGNET_FRAMEWORK), each beside its own peer.
  // Each framework's own floor: its router answering constant bytes, no session.
  { id: 'hono-floor', name: 'Hono 4 floor: its router, constant answer', cmd: ['node', 'servers/hono-floor.mjs'], constant: true },
  { id: 'express-floor', name: 'Express 5 floor: its router, constant answer', cmd: ['node', 'servers/express-floor.mjs'], constant: true },
  { id: 'signet-hono', name: 'signet on Hono 4 (signet-session/hono, Flask format)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SIGNET_FRAMEWORK: 'hono' }, peer: 'hono' },
  { id: 'hono', name: 'Hono + signed cookies', cmd: ['node', 'servers/hono.mjs'] },
  { id: 'signet-express', name: 'signet on Express 5 (signet-session/express, Flask format)', cmd: ['node', ...START_FLAGS, 'servers/signet.mjs'], env: { SIGNET_FRAMEWORK: 'express' }, peer: 'express' },
  { id: 'express', name: 'Express 5 + cookie-session', cmd: ['node', 'servers/express-cookie-session.mjs'] },
  { id: 'iron', name: 'iron-session 8 (node:http)', cmd: ['node', 'servers/iron-session.mjs'] },
  { id: 'flask', name: 'Flask 2.2 + gunicorn (1 worker)', cmd: ['/usr/bin/gunicorn', '-w', '1', '-b', '127.0.0.1:$PORT', '--chdir', '../test/oracle', 'lesson_app:app'] },
].filter((s) => process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY.split(',').includes(s.id));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function get(path, cookie) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(server) {
  PORT += 1;
  const cmd = server.cmd.map((arg) => arg.replace('$PORT', String(PORT)));
  const child = spawn('taskset', ['-c', '0', ...cmd], { cwd: here, env: { ...process.env, PORT: String(PORT), ...server.env }, stdio: ['ignore', 'ignore', 'pipe'] });
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
  const pairs = setCookie.map((c) => c.split(';')[0]);
  const session = pairs.find((p) => p.startsWith('session='));
  const mouse = pairs.find((p) => p.startsWith('mouse='));
  if (!session || mouse !== 'mouse=Cookie') fail(`Set-Cookie lacks session or mouse: ${setCookie}`);
  const cookie = `${session}; ${mouse}`;
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

function wrk(cookie) {
  const args = ['-c', '1', 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', ...(cookie ? ['-H', `Cookie: ${cookie}`] : []), `http://127.0.0.1:${PORT}/sessions/hello`];
  const out = execFileSync('taskset', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]] : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (errors) throw new Error(`wrk saw ${errors[1]} non-2xx answers`);
  return { rps, p99ms };
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

const results = new Map(SERVERS.map((s) => [s.id, { steady: [], p99: [], cold: [], rss: [] }]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const server of SERVERS) {
    const child = await start(server);
    try {
      const cookie = await check(server);
      wrk(cookie); // warm-up, not counted
      const steady = wrk(cookie);
      const cold = wrk(undefined);
      const r = results.get(server.id);
      r.steady.push(steady.rps);
      r.p99.push(steady.p99ms);
      r.cold.push(cold.rps);
      r.rss.push(rssMb(child.pid));
      process.stderr.write(`round ${round} ${server.id}: steady ${steady.rps.toFixed(0)}/s p99 ${steady.p99ms.toFixed(2)}ms, cold ${cold.rps.toFixed(0)}/s, RSS ${r.rss.at(-1).toFixed(1)} MiB\n`);
    } finally {
      await stop(child);
    }
  }
}

const floor = results.get('floor');
const f = floor ? { steady: median(floor.steady), cold: median(floor.cold), rss: median(floor.rss) } : undefined;
const ratio = (value, base) => (base ? `${(value / base).toFixed(2)}` : '');
const lines = [
  `| server | steady req/s | x floor | x peer | p99 ms | cold req/s | x floor | x peer | RSS MiB | x floor |`,
  `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
];
// x peer: against the session library a user of the same framework would pick, in this run.
const peerOf = (server) => (server.peer === undefined ? undefined : results.get(server.peer));
for (const server of SERVERS) {
  const r = results.get(server.id);
  const steady = median(r.steady);
  const cold = median(r.cold);
  const rss = median(r.rss);
  const peer = peerOf(server);
  const peerSteady = peer === undefined ? undefined : median(peer.steady);
  const peerCold = peer === undefined ? undefined : median(peer.cold);
  lines.push(`| ${server.name} | ${steady.toFixed(0)} | ${ratio(steady, f?.steady)} | ${ratio(steady, peerSteady)} | ${median(r.p99).toFixed(2)} | ${cold.toFixed(0)} | ${ratio(cold, f?.cold)} | ${ratio(cold, peerCold)} | ${rss.toFixed(1)} | ${ratio(rss, f?.rss)} |`);
}
const core = await runCoreBench();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const report = `# Benchmark results

${new Date().toISOString().slice(0, 10)}, ${machine}. Each server pinned to core 0, wrk (1 thread,
${CONNECTIONS} connections, ${SECONDS} s) pinned to core 1; median of ${ROUNDS} interleaved rounds, each after a
warm-up run. Steady state: the client sends back its session and mouse cookies. Cold: no cookies,
so every answer mints a session. RSS: the server's resident memory after the load. x peer: signet's
lesson on a framework against that framework's usual session library, in the same run.

${lines.join('\n')}

## The core, one core, no HTTP

${core}
`;
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/RESULTS.md', import.meta.url), report);
process.stdout.write(report);
