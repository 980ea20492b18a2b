/**
 * HTTP fuzz: hostile Cookie headers, paths and methods against a real lesson server,
 * pipelined over keep-alive connections, plus raw bytes that are not HTTP, one
 * connection each; a probe keeps timing a normal request meanwhile. Every answer is
 * checked: its status class counted, every 5xx explained or reported, a request left
 * unanswered reported as a hang, the server's exit reported as a crash.
 */
import { HostileTraffic, type Pools } from '../lib/hostile.js';
import { Prober, runPipelined, runSolos, sendSolo, type RawAnswer, type RawRequest, type SoloResult } from '../lib/http-raw.js';
import { fmt, markdownTable, shown, type Row, type SectionResult } from '../lib/report.js';
import { Rng } from '../lib/rng.js';
import { cpuSeconds, FORMAT_ENV, RssSampler, startServer, type ServerFormat } from '../lib/server.js';

export interface HttpFuzzBudget {
  /** Requests in all, pipelined and solo. */
  readonly requests: number;
  /** The share of them sent as raw bytes on a connection each. */
  readonly soloShare: number;
  readonly timeLimitMs: number;
  readonly connections: number;
  readonly depth: number;
  readonly seed: number;
  /** An answer not come after this long is a hang. */
  readonly hangMs: number;
  /** The slowest a probe may be. */
  readonly probeLimitMs: number;
}

/** The most the server's RSS may reach during a fuzz run (it stays under 200 MiB; a bomb inflated without bound takes it past 600). */
export const FUZZ_RSS_CAP_MIB = 400;

interface Counts {
  sent: number;
  byClass: number[];
  explained5xx: number;
  unexplained5xx: number;
  hangs: number;
  dropped: number;
  closedWithoutAnswer: number;
  cutOff: number;
}

const newCounts = (): Counts => ({ sent: 0, byClass: [0, 0, 0, 0, 0, 0], explained5xx: 0, unexplained5xx: 0, hangs: 0, dropped: 0, closedWithoutAnswer: 0, cutOff: 0 });

/** The 5xx answers the lesson gives on purpose, and why. */
export function explain5xx(answer: RawAnswer): string | undefined {
  const body = answer.body.toString('latin1');
  if (answer.status === 500 && body.includes('cannot be shown as JSON')) {
    return "the lesson: the session value asked for is bytes, which JSON cannot show (Flask's jsonify raises TypeError: a 500 there too)";
  }
  // README, maxCookieSize: a changed session that cannot fit is the app's error, and the
  // default answer clears the cookie so the user is not locked out. Only with the clearing.
  if (answer.status === 500 && body.includes('over the 4093-byte limit') && body.includes('cookie was cleared') && /\r\nset-cookie: session=;[^\r]*Max-Age=0/i.test(answer.head)) {
    return 'a changed session too large to send: the 500 the README documents, which clears the cookie (so the next visit starts afresh)';
  }
  return undefined;
}

export interface HttpFuzzOutcome {
  readonly row: Row;
  readonly failures: string[];
  readonly details: string;
  readonly answered: number;
}

export async function fuzzHttp(format: ServerFormat, pools: Pools, budget: HttpFuzzBudget): Promise<HttpFuzzOutcome> {
  const started = performance.now();
  const server = await startServer(FORMAT_ENV[format]);
  const rss = new RssSampler(server.pid, 1000);
  const traffic = new HostileTraffic(new Rng(budget.seed), pools);
  const families = new Map<string, Counts>();
  const countsOf = (family: string): Counts => {
    let counts = families.get(family);
    if (counts === undefined) families.set(family, (counts = newCounts()));
    return counts;
  };
  const total = newCounts();
  const explained = new Map<string, number>();
  // A few examples of each kind of problem, for each kind of input.
  const samples: string[] = [];
  const sampled = new Map<string, number>();
  const sample = (kind: string, family: string, text: string): void => {
    const key = `${kind} ${family}`;
    const n = sampled.get(key) ?? 0;
    if (n >= 2 || samples.length >= 40) return;
    sampled.set(key, n + 1);
    samples.push(`${family}: ${text}`);
  };
  let malformed = 0;
  const headAgain: Array<{ family: string; bytes: Buffer }> = [];
  const state = { crashed: false };
  void server.exited.then(() => (state.crashed = true));
  const deadline = started + budget.timeLimitMs;
  const stop = (): boolean => state.crashed || performance.now() > deadline;
  const prober = new Prober(server.port, 100, budget.hangMs);

  const judge = (family: string, request: { bytes: Buffer }, answer: RawAnswer): void => {
    const counts = countsOf(family);
    const cls = Math.floor(answer.status / 100);
    if (answer.status === 0 || cls < 1 || cls > 5) {
      malformed++;
      sample('malformed', family, `an answer without a status line: ${shown(answer.head, 200)}`);
      return;
    }
    counts.byClass[cls] = (counts.byClass[cls] ?? 0) + 1;
    total.byClass[cls] = (total.byClass[cls] ?? 0) + 1;
    if (cls !== 5) return;
    if (answer.body.length === 0 && request.bytes.subarray(0, 5).toString('latin1') === 'HEAD ' && headAgain.length < 2000) {
      // A HEAD's answer has no body to explain it by: ask the same as GET afterwards.
      headAgain.push({ family, bytes: Buffer.concat([Buffer.from('GET'), request.bytes.subarray(4)]) });
      return;
    }
    classify5xx(family, request, answer);
  };

  const classify5xx = (family: string, request: { bytes: Buffer }, answer: RawAnswer): void => {
    const counts = countsOf(family);
    const why = answer.status >= 500 ? explain5xx(answer) : undefined;
    if (why === undefined) {
      counts.unexplained5xx++;
      total.unexplained5xx++;
      sample('5xx', family, `${answer.status} for ${shown(request.bytes.toString('latin1'), 300)} → ${shown(answer.body.toString('latin1'), 200)}`);
    } else {
      counts.explained5xx++;
      total.explained5xx++;
      explained.set(why, (explained.get(why) ?? 0) + 1);
    }
  };

  const pipelinedCount = Math.round(budget.requests * (1 - budget.soloShare));
  const soloCount = budget.requests - pipelinedCount;
  let issued = 0;
  let checkedBodies = 0;
  const pipelined = runPipelined({
    port: server.port,
    connections: budget.connections,
    depth: budget.depth,
    hangMs: budget.hangMs,
    stop,
    next: (): RawRequest | undefined => {
      if (issued >= pipelinedCount) return undefined;
      const request = traffic.pipelined(issued++);
      countsOf(request.family).sent++;
      total.sent++;
      return request;
    },
    onAnswer: (request, answer) => {
      judge(request.family, request, answer);
      // Every 64th JSON answer of the lesson is parsed: it must be JSON.
      if (answer.status === 200 && !request.head && (checkedBodies++ & 63) === 0 && answer.head.includes('application/json')) {
        try {
          JSON.parse(answer.body.toString('utf8'));
        } catch {
          malformed++;
          sample('not json', request.family, `a 200 whose body is not JSON: ${shown(answer.body.toString('latin1'), 200)}`);
        }
      }
    },
    onHang: (request, waited) => {
      countsOf(request.family).hangs++;
      total.hangs++;
      sample('hang', request.family, `no answer after ${fmt(waited)} ms to ${shown(request.bytes.toString('latin1'), 300)}`);
    },
    onDropped: (request, why) => {
      countsOf(request.family).dropped++;
      total.dropped++;
      sample('dropped', request.family, `dropped (${why}): ${shown(request.bytes.toString('latin1'), 200)}`);
    },
  });
  const solos = runSolos(
    soloCount,
    4,
    (i) => {
      const request = traffic.solo(i);
      countsOf(`solo: ${request.family}`).sent++;
      total.sent++;
      return request;
    },
    server.port,
    budget.hangMs,
    (family, result: SoloResult) => {
      const name = `solo: ${family}`;
      const counts = countsOf(name);
      if (result.timedOut) {
        counts.hangs++;
        total.hangs++;
        sample('hang', name, `the connection neither answered nor closed within ${fmt(budget.hangMs)} ms`);
        return;
      }
      const last = result.answers[result.answers.length - 1];
      if (last === undefined) {
        counts.closedWithoutAnswer++;
        total.closedWithoutAnswer++;
      } else {
        for (const answer of result.answers) if (answer.status >= 200 || answer.status === 0) judge(name, { bytes: Buffer.from(family) }, answer);
      }
      if (result.partial) counts.cutOff++;
    },
    stop,
  );
  const [stats] = await Promise.all([pipelined, solos]);
  const probe = await prober.stop();
  const serverCpu = cpuSeconds(server.pid) ?? NaN;
  for (const again of headAgain) {
    if (state.crashed) break;
    const result = await sendSolo(server.port, again.bytes, { timeoutMs: budget.hangMs });
    const answer = result.answers[0] ?? { status: 0, head: '', body: Buffer.from('HEAD got 500; the same as GET got no answer'), close: true };
    classify5xx(again.family, again, answer.status >= 500 ? answer : { ...answer, body: Buffer.from(`HEAD got 500; the same as GET got ${answer.status}`) });
  }
  const elapsed = performance.now() - started;
  const wasCrashed = state.crashed;
  const exit = await server.stop('SIGTERM', 15_000);
  const samplesRss = rss.stop();
  const answered = total.byClass.reduce((a, b) => a + b, 0) + total.closedWithoutAnswer;

  const failures: string[] = [];
  const name = `HTTP fuzz (${format})`;
  if (wasCrashed) failures.push(`${name}: the server exited (${String(exit.code ?? exit.signal)}) during the fuzz:\n${server.log.lastLines(30)}`);
  if (total.hangs > 0) failures.push(`${name}: ${total.hangs} requests got no answer within ${fmt(budget.hangMs)} ms`);
  if (total.dropped > 0) failures.push(`${name}: ${total.dropped} requests were dropped: the connection closed without answering them`);
  if (total.unexplained5xx > 0) failures.push(`${name}: ${total.unexplained5xx} unexplained 5xx answers`);
  if (malformed > 0) failures.push(`${name}: ${malformed} malformed answers`);
  if (total.sent < budget.requests) failures.push(`${name}: only ${fmt(total.sent)} of ${fmt(budget.requests)} requests were sent within ${fmt(budget.timeLimitMs / 1000)} s`);
  if (probe.hangs > 0 || probe.failures > 0) failures.push(`${name}: the probe failed ${probe.failures + probe.hangs} times: ${probe.problems.join('; ')}`);
  if (probe.maxMs > budget.probeLimitMs) failures.push(`${name}: the slowest probe took ${fmt(probe.maxMs)} ms (limit ${fmt(budget.probeLimitMs)} ms)`);
  if (samplesRss.length > 0 && Math.max(...samplesRss) > FUZZ_RSS_CAP_MIB) failures.push(`${name}: the server's RSS reached ${Math.max(...samplesRss).toFixed(0)} MiB (cap ${FUZZ_RSS_CAP_MIB})`);
  if (server.log.internalErrorCount > 0) failures.push(`${name}: the server logged ${server.log.internalErrorCount} internal errors, e.g. ${server.log.internalErrors[0] ?? ''}`);
  if (samples.length > 0 && failures.length > 0) failures.push(`${name}: examples:\n  ${samples.join('\n  ')}`);

  const [, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0] = total.byClass;
  const rssText = samplesRss.length === 0 ? '-' : `${samplesRss[0]?.toFixed(0) ?? '?'} → ${samplesRss[samplesRss.length - 1]?.toFixed(0) ?? '?'} (max ${Math.max(...samplesRss).toFixed(0)})`;
  const row: Row = {
    check: 'HTTP fuzz',
    server: format,
    tried: `${fmt(total.sent)} requests (${fmt(stats.sent - stats.resent)} pipelined on ${fmt(stats.connections)} connections, ${fmt(total.sent - stats.sent + stats.resent)} raw one per connection)`,
    outcome: `${c1 > 0 ? `1xx ${fmt(c1)}, ` : ''}2xx ${fmt(c2)}, 3xx ${fmt(c3)}, 4xx ${fmt(c4)}, 5xx ${fmt(c5)}; ${fmt(total.closedWithoutAnswer)} raw closed without answer; ${fmt(total.sent / (elapsed / 1000))} req/s (${fmt(total.sent / serverCpu)} per server CPU second)${malformed > 0 ? `; ${malformed} malformed` : ''}${total.dropped > 0 ? `; ${total.dropped} dropped` : ''}`,
    fiveXX: `${total.unexplained5xx} unexplained, ${total.explained5xx} explained`,
    crashes: wasCrashed ? 1 : 0,
    hangs: total.hangs + probe.hangs,
    slowestProbeMs: probe.maxMs,
    rss: rssText,
    seconds: elapsed / 1000,
    pass: failures.length === 0,
  };
  const familyRows = [...families.entries()]
    .sort((a, b) => b[1].sent - a[1].sent)
    .map(([family, c]) => [family, fmt(c.sent), fmt(c.byClass[2] ?? 0), fmt(c.byClass[3] ?? 0), fmt(c.byClass[4] ?? 0), `${fmt(c.byClass[5] ?? 0)} (${c.unexplained5xx} unexplained)`, fmt(c.closedWithoutAnswer), fmt(c.hangs), fmt(c.dropped)]);
  const details = [
    `### HTTP fuzz, ${format}: by kind of input`,
    '',
    markdownTable(['kind', 'sent', '2xx', '3xx', '4xx', '5xx', 'closed, no answer', 'hangs', 'dropped'], familyRows),
    '',
    explained.size === 0 ? 'No 5xx answers were explained away.' : `Explained 5xx: ${[...explained].map(([why, n]) => `${fmt(n)} × ${why}`).join('; ')}.`,
    '',
    `Probe: ${fmt(probe.count)} normal requests, slowest ${fmt(probe.maxMs)} ms. Pipelining: ${fmt(stats.resent)} requests sent again after a connection announced its close.`,
    ...(samples.length > 0 ? ['', 'Examples of what went wrong:', '', ...samples.map((s) => `- ${s}`)] : []),
    '',
  ].join('\n');
  return { row, failures, details, answered };
}

export async function runHttpFuzz(formats: readonly ServerFormat[], pools: Omit<Pools, 'format'>, budget: HttpFuzzBudget): Promise<SectionResult> {
  const result: SectionResult = { rows: [], failures: [], details: [] };
  for (const [i, format] of formats.entries()) {
    const outcome = await fuzzHttp(format, { ...pools, format }, { ...budget, seed: budget.seed + i });
    result.rows.push(outcome.row);
    result.failures.push(...outcome.failures);
    result.details.push(outcome.details);
  }
  return result;
}
