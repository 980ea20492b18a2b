/**
 * The reliability suite's plan: which checks run, with what budgets, in which order
 * (some side by side, on a 2-core machine), and the report they make. `run.ts` runs the
 * full plan; test/reliability.test.ts runs the same pieces with small budgets.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { runAbuse, type AbuseBudget } from './sections/abuse.js';
import { FULL_CASES, runConfig, SHORT_CASES } from './sections/config.js';
import { runHttpFuzz, type HttpFuzzBudget } from './sections/fuzz-http.js';
import { runParserFuzz, type ParserFuzzBudget } from './sections/fuzz-parsers.js';
import { haveWrk, runLoad, runMemoryBound, type LoadBudget, type MemoryBudget } from './sections/load.js';
import { runShutdown, type ShutdownBudget } from './sections/shutdown.js';
import { runWorstCase, type TimingBudget } from './sections/worst-case.js';
import { merge, renderTable, type SectionResult } from './lib/report.js';
import { compressionBombs, flaskMadeCookies } from './lib/tokens.js';
import type { Pools } from './lib/hostile.js';

export interface Plan {
  readonly name: string;
  readonly timing: TimingBudget;
  readonly parsers: ParserFuzzBudget;
  /** Requests per server configuration; `timeLimitMs` bounds each when run alone (in the plan, the lanes' time is shared out). */
  readonly fuzz: { readonly flask: number; readonly sealed: number; readonly migrate: number } & Omit<HttpFuzzBudget, 'requests' | 'seed'>;
  readonly memory: MemoryBudget;
  readonly abuse: AbuseBudget;
  /** Undefined: no load runs (they need wrk). */
  readonly load?: LoadBudget;
  readonly shutdown: ShutdownBudget;
  readonly config: 'full' | 'short';
  readonly configParallel: number;
  readonly seed: number;
  /** The whole plan's bound. */
  readonly totalMs: number;
  /** The fuzz and memory lanes' bound. */
  readonly lanesMs: number;
  /** What abuse, shutdown and configuration take at most (side by side). */
  readonly laterMs: number;
}

export const FULL: Plan = {
  name: 'full',
  timing: { minSampleMs: 3, rounds: 5, threshold: 64 },
  parsers: { runs: 100_000, msPerProperty: 4_000, seed: 20261202 },
  fuzz: { flask: 400_000, sealed: 300_000, migrate: 300_000, soloShare: 0.03, timeLimitMs: 120_000, connections: 8, depth: 16, hangMs: 10_000, probeLimitMs: 2_000 },
  memory: { cookies: 1_000_000, timeLimitMs: 260_000, warmupSamples: 10, capMiB: 400, flat: true },
  abuse: { repeats: 8, slowClients: 200, slowSeconds: 15, idleConnections: 2_000, idleSeconds: 15, floodRequests: 200_000, hangMs: 10_000, probeLimitMs: 1_000 },
  load: { seconds: 60, connections: 256, distinct: 10_000, warmupSamples: 10 },
  shutdown: { connections: 64, loadMs: 3_000, slackMs: 1_500 },
  config: 'full',
  configParallel: 3,
  seed: 9,
  totalMs: 9 * 60_000 + 30_000,
  lanesMs: 270_000,
  laterMs: 120_000,
};

export const SHORT: Plan = {
  name: 'short',
  timing: { minSampleMs: 1.5, rounds: 5, threshold: 64 },
  parsers: { runs: 2_000, msPerProperty: 1_500, seed: 20261202 },
  fuzz: { flask: 12_000, sealed: 8_000, migrate: 8_000, soloShare: 0.05, timeLimitMs: 40_000, connections: 8, depth: 16, hangMs: 10_000, probeLimitMs: 2_000 },
  memory: { cookies: 30_000, timeLimitMs: 30_000, warmupSamples: 2, capMiB: 300, flat: false },
  abuse: { repeats: 2, slowClients: 50, slowSeconds: 3, idleConnections: 500, idleSeconds: 2, floodRequests: 50_000, hangMs: 10_000, probeLimitMs: 1_500 },
  shutdown: { connections: 16, loadMs: 1_000, slowTimeout: 2, slackMs: 1_500 },
  config: 'short',
  configParallel: 3,
  seed: 9,
  totalMs: 110_000,
  lanesMs: 40_000,
  laterMs: 30_000,
};

/** The Flask-signed cookies and the compression bombs every fuzz run shares. */
export function makePools(): Omit<Pools, 'format'> {
  const made = flaskMadeCookies();
  return { flaskMade: made.cookies, bombs: [...compressionBombs(), made.bomb] };
}

export interface Report {
  readonly result: SectionResult;
  readonly seconds: number;
  readonly markdown: string;
}

const log = (line: string): void => {
  process.stderr.write(`[reliability ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

/** Runs one piece, keeping its failure (an exception is a failure too) and moving on. */
async function step(result: SectionResult, what: string, run: () => Promise<SectionResult> | SectionResult): Promise<void> {
  const started = performance.now();
  log(`${what}...`);
  try {
    const part = await run();
    merge(result, part);
    log(`${what}: ${part.failures.length === 0 ? 'pass' : `${part.failures.length} failures`} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  } catch (error) {
    result.failures.push(`${what}: threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    log(`${what}: threw ${String(error)}`);
  }
}

/**
 * The order: timing and the parser fuzz alone (they measure this process); then the
 * HTTP fuzz of the three configurations beside the memory bound (one server each, a
 * core each); then protocol abuse alone (its probe measures latency); then shutdown
 * beside the configuration starts; then the load runs alone (wrk and the server take
 * both cores). Every piece has its own bound, and the plan its total (`totalMs`),
 * within which the fuzz and memory lanes get what the later pieces leave them.
 */
export async function runPlan(plan: Plan): Promise<Report> {
  const started = performance.now();
  const deadline = started + plan.totalMs;
  const result: SectionResult = { rows: [], failures: [], details: [] };
  await step(result, 'worst-case time', () => runWorstCase(plan.timing));
  await step(result, 'parser fuzz', () => runParserFuzz(plan.parsers));
  const pools = makePools();

  // What the pieces after the lanes need, at most: abuse, then shutdown beside the configuration starts, then the load.
  const later = plan.laterMs + (plan.load === undefined ? 0 : 2 * (plan.load.seconds * 1000 + 5000));
  const lanesEnd = Math.min(performance.now() + plan.lanesMs, deadline - later);
  const fuzz: SectionResult = { rows: [], failures: [], details: [] };
  const memory: SectionResult = { rows: [], failures: [], details: [] };
  const base = { soloShare: plan.fuzz.soloShare, connections: plan.fuzz.connections, depth: plan.fuzz.depth, hangMs: plan.fuzz.hangMs, probeLimitMs: plan.fuzz.probeLimitMs };
  // Two lanes, a core each: one starts on the fuzz, the other on the memory bound, and
  // both then take the next fuzz configuration left, until the lanes' end.
  const jobs = [
    ['flask', plan.fuzz.flask, 0],
    ['sealed', plan.fuzz.sealed, 1],
    ['sealed+migrate', plan.fuzz.migrate, 2],
  ] as const;
  let nextJob = 0;
  const fuzzLane = async (): Promise<void> => {
    while (nextJob < jobs.length) {
      const [format, requests, i] = jobs[nextJob++] ?? jobs[0];
      const timeLimitMs = Math.max(1000, lanesEnd - performance.now());
      await step(fuzz, `HTTP fuzz, ${format} (${requests})`, () => runHttpFuzz([format], pools, { ...base, requests, timeLimitMs, seed: plan.seed + i }));
    }
  };
  await Promise.all([
    fuzzLane(),
    (async () => {
      await step(memory, `memory bound (${plan.memory.cookies})`, () => runMemoryBound('flask', { ...plan.memory, timeLimitMs: Math.max(1000, lanesEnd - performance.now()) }));
      await fuzzLane();
    })(),
  ]);
  // The fuzz rows in their configurations' order, whichever lane ran them.
  const order = (row: { server: string }): number => jobs.findIndex(([format]) => format === row.server);
  fuzz.rows.sort((a, b) => order(a) - order(b));
  merge(result, fuzz);
  merge(result, memory);

  // Abuse alone (its probe measures latency); shutdown (mostly waiting) beside the configuration starts.
  await step(result, 'protocol abuse', () => runAbuse('flask', plan.abuse));
  const config: SectionResult = { rows: [], failures: [], details: [] };
  await Promise.all([
    step(result, 'shutdown', () => runShutdown(plan.shutdown)),
    step(config, 'configuration', () => runConfig(plan.config === 'full' ? FULL_CASES : SHORT_CASES, plan.configParallel, 10_000)),
  ]);
  const load = plan.load;
  if (load !== undefined) {
    const left = deadline - performance.now();
    if (!haveWrk()) {
      result.failures.push('Load: wrk is not installed (run the suite through reliability/run.sh, which installs it)');
    } else if (left < 2 * (load.seconds * 1000 + 5000)) {
      result.failures.push(`Load: not run: ${Math.round(left / 1000)} s left of the suite's ${plan.totalMs / 1000} s, and the two runs take ${2 * load.seconds} s (the machine was slower than planned)`);
    } else {
      await step(result, 'load, steady', () => runLoad('flask', 'steady', load));
      await step(result, 'load, distinct cookies', () => runLoad('flask', 'distinct', load));
    }
  }
  merge(result, config);
  const seconds = (performance.now() - started) / 1000;
  return { result, seconds, markdown: render(plan, result, seconds) };
}

function gitDescribe(): string {
  try {
    return execFileSync('git', ['log', '-1', '--format=%h %s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown commit';
  }
}

export function render(plan: Plan, result: SectionResult, seconds: number): string {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  const crashes = result.rows.reduce((n, r) => n + (typeof r.crashes === 'number' ? r.crashes : 0), 0);
  const hangs = result.rows.reduce((n, r) => n + (typeof r.hangs === 'number' ? r.hangs : 0), 0);
  return [
    `# Reliability suite results (${plan.name})`,
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine}, commit ${gitDescribe()}. ${seconds.toFixed(0)} s in all.`,
    '',
    `**${result.failures.length === 0 ? 'All checks pass' : `${result.failures.length} failures`}**: ${crashes} crashes, ${hangs} hangs.`,
    '',
    renderTable(result.rows),
    '',
    ...(result.failures.length === 0 ? [] : ['## Failures', '', ...result.failures.map((f) => `- ${f.replace(/\n/g, '\n  ')}`), '']),
    '## How to read this',
    '',
    '- **5xx**: every answer from 500 to 599 is explained or counted as a failure. The one explained kind: the lesson asked for a session value that is bytes, which JSON cannot show; Flask answers 500 there too (its jsonify raises TypeError). During a stop, Fastify answers 503 to a request on a connection it is closing.',
    '- **hangs**: a request with no answer 10 s after its connection last received anything, a raw connection neither answered nor closed, a probe without an answer, a stop past its deadline.',
    "- **slowest probe**: a normal `GET /sessions/hello` on a new connection every 100 ms during the check, from connect to the whole answer.",
    "- **RSS**: the server's VmRSS from /proc every second: first → last (max). Flat means: after the warm-up samples, the last third's peak is at most the first third's peak × 1.1 + 8 MiB, and no sample exceeds the cap.",
    '- **Worst-case time**: each input family at n and 16n; linear is 16, quadratic 256; the limit is 64.',
    '',
    ...result.details,
  ].join('\n');
}
