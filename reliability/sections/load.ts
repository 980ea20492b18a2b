/**
 * Load: 256 connections for a minute with Debian's wrk (its Lua script builds every
 * request once, in init), steady (one session cookie) and with 10,000 distinct valid
 * cookies; the server's RSS sampled every second must be flat after the warm-up.
 * And the memory bound: a million distinct valid cookies, pipelined, RSS bounded and flat.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipelined, sendSolo, type RawRequest } from '../lib/http-raw.js';
import { fmt, type Row, type SectionResult } from '../lib/report.js';
import { flatAfterWarmup, FORMAT_ENV, remember, RssSampler, startServer, type ServerFormat, type ServerProcess } from '../lib/server.js';
import { now, payloadOf, signPayload } from '../lib/tokens.js';

export interface LoadBudget {
  readonly seconds: number;
  readonly connections: number;
  /** Distinct cookies in the second run. */
  readonly distinct: number;
  /** RSS samples (seconds) left out as warm-up. */
  readonly warmupSamples: number;
}

/** Whether wrk is on PATH (the suite's wrapper installs it where it can). */
export function haveWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

const LUA = `
-- Every request built once, in init: the cookies come one a line from the file given after --.
local requests = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("GET", "/sessions/hello", { ["Cookie"] = line })
  end
end
function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
`;

/** A cookie the lesson accepts, for distinct data `n`: Flask's own bytes for this small session. */
export function lessonCookie(n: number, timestamp: number): string {
  return `session=${signPayload(payloadOf(`{"goodnight":"Moon","hello":"v${n}"}`, false), timestamp)}; mouse=Cookie`;
}

interface WrkResult {
  readonly requests: number;
  readonly rps: number;
  readonly p99ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: { connect: number; read: number; write: number; timeout: number };
  readonly output: string;
}

const toMs = (value: string, unit: string): number => Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? NaN);

function runWrk(args: readonly string[]): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    remember(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)\b/.exec(output);
      const max = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)\b/.exec(output);
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
      resolve({
        requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN),
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN),
        p99ms: p99 === null ? NaN : toMs(p99[1] ?? '', p99[2] ?? ''),
        maxMs: max === null ? NaN : toMs(max[1] ?? '', max[2] ?? ''),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
        errors: { connect: Number(errors?.[1] ?? 0), read: Number(errors?.[2] ?? 0), write: Number(errors?.[3] ?? 0), timeout: Number(errors?.[4] ?? 0) },
        output,
      });
    });
  });
}

/** The server's answer to a first visit, as the Cookie header a browser sends back. */
async function browserCookie(server: ServerProcess): Promise<string> {
  const result = await sendSolo(server.port, Buffer.from('GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'), { timeoutMs: 10_000 });
  const head = result.answers[0]?.head ?? '';
  return [...head.matchAll(/\r\nset-cookie: ([^;\r]*)/gi)].map((m) => m[1]).join('; ');
}

function rssText(samples: readonly number[]): string {
  return samples.length === 0 ? '-' : `${(samples[0] ?? 0).toFixed(0)} → ${(samples[samples.length - 1] ?? 0).toFixed(0)} (max ${Math.max(...samples).toFixed(0)})`;
}

export async function runLoad(format: ServerFormat, kind: 'steady' | 'distinct', budget: LoadBudget): Promise<SectionResult> {
  const started = performance.now();
  const name = `Load, ${kind} (${format})`;
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'signet-load-'));
  const server = await startServer(FORMAT_ENV[format]);
  try {
    const cookies = kind === 'steady' ? [await browserCookie(server)] : Array.from({ length: budget.distinct }, (_, i) => lessonCookie(i, now()));
    if (cookies[0] === '') failures.push(`${name}: the first visit set no cookies`);
    writeFileSync(join(dir, 'cookies.txt'), cookies.join('\n') + '\n');
    writeFileSync(join(dir, 'requests.lua'), LUA);
    const rss = new RssSampler(server.pid, 1000);
    const wrk = await runWrk(['-t1', `-c${budget.connections}`, `-d${budget.seconds}s`, '--timeout', '10s', '--latency', '-s', join(dir, 'requests.lua'), `http://127.0.0.1:${server.port}/sessions/hello`, '--', join(dir, 'cookies.txt')]);
    const samples = rss.stop();
    // Afterwards, the server still answers, and takes a cookie of the run.
    const after = await sendSolo(server.port, Buffer.from(`GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookies[cookies.length - 1] ?? ''}\r\n\r\n`), { timeoutMs: 10_000 });
    const crashed = server.exit() !== undefined;
    const flat = flatAfterWarmup(samples, budget.warmupSamples);
    if (!Number.isFinite(wrk.requests)) failures.push(`${name}: wrk did not run:\n${wrk.output}`);
    if (crashed) failures.push(`${name}: the server exited:\n${server.log.lastLines(30)}`);
    if (wrk.non2xx > 0) failures.push(`${name}: ${fmt(wrk.non2xx)} answers were not 2xx`);
    if (wrk.errors.timeout > 0) failures.push(`${name}: ${fmt(wrk.errors.timeout)} requests got no answer within 10 s`);
    if (wrk.errors.connect + wrk.errors.read + wrk.errors.write > 0) failures.push(`${name}: socket errors: ${JSON.stringify(wrk.errors)}`);
    if (after.answers[0]?.status !== 200) failures.push(`${name}: after the load, a request got ${after.answers[0]?.status ?? 'no answer'}`);
    if (!flat.ok) failures.push(`${name}: RSS not flat: ${flat.rule}; first third's peak ${flat.warmMax.toFixed(1)}, last third's ${flat.lastMax.toFixed(1)} (limit ${flat.limit.toFixed(1)}), max ${flat.max.toFixed(1)} MiB over ${samples.length} samples`);
    if (server.log.internalErrorCount > 0) failures.push(`${name}: the server logged ${server.log.internalErrorCount} internal errors`);
    const row: Row = {
      check: `Load, ${kind === 'steady' ? 'one session cookie' : `${fmt(budget.distinct)} distinct valid cookies`}`,
      server: format,
      tried: `${budget.seconds} s at ${budget.connections} connections (wrk): ${fmt(wrk.requests)} requests`,
      outcome: `${fmt(wrk.rps)} req/s, p99 ${wrk.p99ms.toFixed(1)} ms, max ${fmt(wrk.maxMs)} ms; non-2xx ${fmt(wrk.non2xx)}; RSS flat: ${flat.ok ? 'yes' : 'NO'} (${flat.warmMax.toFixed(0)} → ${flat.lastMax.toFixed(0)} MiB, limit ${flat.limit.toFixed(0)})`,
      fiveXX: `${fmt(wrk.non2xx)} non-2xx`,
      crashes: crashed ? 1 : 0,
      hangs: wrk.errors.timeout,
      rss: rssText(samples),
      seconds: (performance.now() - started) / 1000,
      pass: failures.length === 0,
    };
    return { rows: [row], failures, details: [] };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MemoryBudget {
  readonly cookies: number;
  readonly timeLimitMs: number;
  readonly warmupSamples: number;
  readonly capMiB: number;
  /** Judge flatness too (a run of a few seconds is all warm-up: then only the cap). */
  readonly flat: boolean;
}

/** A million distinct valid cookies, each sent once, pipelined; every one must be accepted. */
export async function runMemoryBound(format: ServerFormat, budget: MemoryBudget): Promise<SectionResult> {
  const started = performance.now();
  const name = `Memory bound (${format})`;
  const failures: string[] = [];
  const server = await startServer(FORMAT_ENV[format]);
  const rss = new RssSampler(server.pid, 1000);
  const state = { crashed: false };
  void server.exited.then(() => (state.crashed = true));
  const deadline = started + budget.timeLimitMs;
  let issued = 0;
  let accepted = 0;
  let wrong = 0;
  let example = '';
  let second = now();
  const stats = await runPipelined({
    port: server.port,
    connections: 8,
    depth: 32,
    hangMs: 10_000,
    stop: () => state.crashed || performance.now() > deadline,
    next: (): RawRequest | undefined => {
      if (issued >= budget.cookies) return undefined;
      const n = issued++;
      if ((n & 1023) === 0) second = now();
      // The expected session value rides in `family`: the answer must show it.
      return { bytes: Buffer.from(`GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${lessonCookie(n, second)}\r\n\r\n`, 'latin1'), family: `"v${n}"` };
    },
    onAnswer: (request, answer) => {
      if (answer.status === 200 && answer.body.includes(request.family)) accepted++;
      else {
        wrong++;
        if (example === '') example = `${answer.status}: ${answer.body.toString('latin1').slice(0, 300)}`;
      }
    },
    onHang: () => undefined,
    onDropped: () => undefined,
  });
  const samples = rss.stop();
  const crashed = state.crashed;
  await server.stop();
  const judged = flatAfterWarmup(samples, budget.warmupSamples, 8, budget.capMiB);
  const flat = budget.flat ? judged : { ...judged, ok: judged.max <= budget.capMiB, rule: `≤ ${budget.capMiB} MiB` };
  if (crashed) failures.push(`${name}: the server exited:\n${server.log.lastLines(30)}`);
  if (issued < budget.cookies) failures.push(`${name}: only ${fmt(issued)} of ${fmt(budget.cookies)} cookies were sent within ${fmt(budget.timeLimitMs / 1000)} s`);
  if (wrong > 0) failures.push(`${name}: ${fmt(wrong)} answers did not show the session their cookie held, e.g. ${example}`);
  if (stats.hung + stats.dropped > 0) failures.push(`${name}: ${stats.hung} hung and ${stats.dropped} dropped requests`);
  if (!flat.ok) failures.push(`${name}: RSS not bounded and flat: ${flat.rule}; first third's peak ${flat.warmMax.toFixed(1)}, last third's ${flat.lastMax.toFixed(1)} (limit ${flat.limit.toFixed(1)}), max ${flat.max.toFixed(1)} MiB`);
  const seconds = (performance.now() - started) / 1000;
  const row: Row = {
    check: `Memory bound: ${fmt(budget.cookies)} distinct valid cookies`,
    server: format,
    tried: `${fmt(issued)} cookies, each once, pipelined (8 connections × 32)`,
    outcome: `${fmt(accepted)} accepted (the answer shows the cookie's session), ${fmt(wrong)} not; ${fmt(issued / seconds)} req/s; RSS ${budget.flat ? 'flat' : 'bounded'}: ${flat.ok ? 'yes' : 'NO'} (${budget.flat ? `${flat.warmMax.toFixed(0)} → ${flat.lastMax.toFixed(0)} MiB, limit ${flat.limit.toFixed(0)}, ` : ''}cap ${budget.capMiB})`,
    fiveXX: '-',
    crashes: crashed ? 1 : 0,
    hangs: stats.hung,
    rss: rssText(samples),
    seconds,
    pass: failures.length === 0,
  };
  return { rows: [row], failures, details: [] };
}
