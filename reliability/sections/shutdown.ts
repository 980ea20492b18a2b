/**
 * Shutdown: SIGTERM under load, and SIGTERM with a slow client holding a connection.
 *
 * The server's stop (src/server/main.ts): the listener and idle connections close, the
 * requests in progress finish (Fastify answers new ones on open connections with 503
 * and closes them), and at SHUTDOWN_TIMEOUT (seconds, 10 by default) the remaining
 * connections are closed. Exit code 0: every request in progress was answered; 3:
 * connections were closed at the deadline.
 */
import { connect } from 'node:net';
import { ResponseParser } from '../lib/http-raw.js';
import { fmt, type Row, type SectionResult } from '../lib/report.js';
import { startServer } from '../lib/server.js';

export const EXIT_STOPPED = 0;
export const EXIT_FORCED = 3;
export const DEFAULT_SHUTDOWN_TIMEOUT = 10;

export interface ShutdownBudget {
  /** Connections sending requests back to back. */
  readonly connections: number;
  /** Load before the SIGTERM. */
  readonly loadMs: number;
  /** SHUTDOWN_TIMEOUT for the slow-client case; undefined: the default (10 s). */
  readonly slowTimeout?: number;
  /** How much later than the deadline the exit may come. */
  readonly slackMs: number;
}

interface LoadTally {
  sent: number;
  complete: number;
  /** Answered while stopping: Fastify's "503 Service Unavailable" to a request on a connection it is closing. */
  unavailable: number;
  /** An answer cut short: headers or part of a body, then the close. */
  partial: number;
  /** Written on a connection the server closed before reading it: never accepted. */
  notAccepted: number;
  refused: number;
  other: Map<number, number>;
  /** Request ids with a complete answer, by status. */
  readonly answered: Map<number, number>;
}

/** One connection sending a request, reading its whole answer, and again, until the server closes it. */
function worker(port: number, first: () => number, tally: LoadTally, stopAt: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    const parser = new ResponseParser(() => false);
    let current: number | undefined;
    const send = (): void => {
      if (stopAt()) {
        socket.end();
        return;
      }
      current = first();
      tally.sent++;
      socket.write(`GET /sessions/hello?id=${current} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      for (const answer of parser.feed(chunk)) {
        if (current === undefined) continue;
        tally.answered.set(current, answer.status);
        if (answer.status === 200) tally.complete++;
        else if (answer.status === 503) tally.unavailable++;
        else tally.other.set(answer.status, (tally.other.get(answer.status) ?? 0) + 1);
        current = undefined;
        if (answer.close) {
          socket.end();
          return;
        }
        send();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') tally.refused++;
    });
    socket.on('close', () => {
      if (current !== undefined) {
        if (parser.partial()) tally.partial++;
        else tally.notAccepted++;
      }
      resolve();
    });
  });
}

export async function shutdownUnderLoad(budget: ShutdownBudget): Promise<{ row: Row; failures: string[] }> {
  const started = performance.now();
  const name = 'Shutdown under load';
  const failures: string[] = [];
  // LOG_REQUESTS=1: the server logs each answer it finished, to compare with what arrived.
  const server = await startServer({ LOG_REQUESTS: '1' });
  const logged = new Map<number, number>();
  server.log.listeners.push((line) => {
    const match = /^GET \/sessions\/hello\?id=(\d+) (\d{3}) /.exec(line);
    if (match !== null) logged.set(Number(match[1]), Number(match[2]));
  });
  const tally: LoadTally = { sent: 0, complete: 0, unavailable: 0, partial: 0, notAccepted: 0, refused: 0, other: new Map(), answered: new Map() };
  let nextId = 0;
  const id = (): number => nextId++;
  const state = { exited: false };
  void server.exited.then(() => (state.exited = true));
  // Each connection reconnects when the server closes it, until the server refuses.
  const lanes = Array.from({ length: budget.connections }, async () => {
    while (!state.exited) {
      const refusedBefore = tally.refused;
      await worker(server.port, id, tally, () => state.exited);
      if (tally.refused > refusedBefore) return;
    }
  });
  await new Promise((r) => setTimeout(r, budget.loadMs));
  const atSignal = tally.complete;
  server.child.kill('SIGTERM');
  const signalled = performance.now();
  const deadlineMs = DEFAULT_SHUTDOWN_TIMEOUT * 1000 + budget.slackMs;
  const killer = setTimeout(() => server.child.kill('SIGKILL'), deadlineMs + 5000);
  const exit = await server.exited;
  clearTimeout(killer);
  await Promise.all(lanes);
  const tookMs = exit.at - signalled;
  // Everything the server says it answered arrived whole.
  let lost = 0;
  for (const [requestId, status] of logged) if (tally.answered.get(requestId) !== status) lost++;
  if (tookMs > deadlineMs) failures.push(`${name}: the process exited ${fmt(tookMs)} ms after SIGTERM (deadline ${DEFAULT_SHUTDOWN_TIMEOUT} s)`);
  if (exit.code !== EXIT_STOPPED) failures.push(`${name}: exit code ${String(exit.code ?? exit.signal)}, not ${EXIT_STOPPED} (every request in progress answered)`);
  if (tally.partial > 0) failures.push(`${name}: ${tally.partial} answers were cut short`);
  if (lost > 0) failures.push(`${name}: ${lost} answers the server logged as sent did not arrive whole`);
  if (tally.other.size > 0) failures.push(`${name}: unexpected statuses ${JSON.stringify([...tally.other])}`);
  if (atSignal === 0) failures.push(`${name}: no load before the signal`);
  const row: Row = {
    check: 'Shutdown: SIGTERM under load',
    server: 'flask',
    tried: `${budget.connections} connections back to back for ${fmt(budget.loadMs / 1000)} s, then SIGTERM: ${fmt(tally.sent)} requests`,
    outcome: `exit ${String(exit.code ?? exit.signal)} after ${fmt(tookMs)} ms; ${fmt(tally.complete)} answered 200, ${fmt(tally.unavailable)} answered 503 while stopping, ${tally.partial} cut short, ${lost} logged but lost; ${tally.notAccepted} written as the server closed the connection (not read), ${tally.refused} connects refused`,
    fiveXX: `${tally.unavailable} explained (503 while stopping: Fastify's return503OnClosing)`,
    crashes: 0,
    hangs: tookMs > deadlineMs ? 1 : 0,
    seconds: (performance.now() - started) / 1000,
    pass: failures.length === 0,
  };
  return { row, failures };
}

export async function shutdownWithSlowClient(budget: ShutdownBudget): Promise<{ row: Row; failures: string[] }> {
  const started = performance.now();
  const timeout = budget.slowTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  const name = `Shutdown with a slow client (SHUTDOWN_TIMEOUT ${budget.slowTimeout === undefined ? 'unset: 10 s' : `${timeout} s`})`;
  const failures: string[] = [];
  const server = await startServer(budget.slowTimeout === undefined ? {} : { SHUTDOWN_TIMEOUT: String(budget.slowTimeout) });
  // A client that sends a header line a second and never finishes its request.
  const slow = connect({ port: server.port, host: '127.0.0.1' });
  slow.on('error', () => undefined);
  await new Promise<void>((resolve) => slow.on('connect', resolve));
  slow.write('GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let line = 0;
  const trickle = setInterval(() => slow.write(`X-Slow-${++line}: v\r\n`), 1000);
  await new Promise((r) => setTimeout(r, 1500));
  server.child.kill('SIGTERM');
  const signalled = performance.now();
  const deadlineMs = timeout * 1000 + budget.slackMs;
  const killer = setTimeout(() => server.child.kill('SIGKILL'), deadlineMs + 10_000);
  const exit = await server.exited;
  clearTimeout(killer);
  clearInterval(trickle);
  slow.destroy();
  const tookMs = exit.at - signalled;
  if (exit.signal === 'SIGKILL') failures.push(`${name}: still running ${fmt((deadlineMs + 10_000) / 1000)} s after SIGTERM: killed (finding 4: no shutdown deadline)`);
  else if (tookMs > deadlineMs) failures.push(`${name}: the process exited ${fmt(tookMs)} ms after SIGTERM (deadline ${timeout} s)`);
  if (exit.code !== EXIT_FORCED) failures.push(`${name}: exit code ${String(exit.code ?? exit.signal)}, not ${EXIT_FORCED} (connections closed at the deadline)`);
  const row: Row = {
    check: `Shutdown: SIGTERM with a slow-header client (deadline ${timeout} s)`,
    server: 'flask',
    tried: 'one client sending a header line a second, never finishing',
    outcome: `exit ${String(exit.code ?? exit.signal)} after ${fmt(tookMs)} ms`,
    fiveXX: '-',
    crashes: 0,
    hangs: tookMs > deadlineMs ? 1 : 0,
    seconds: (performance.now() - started) / 1000,
    pass: failures.length === 0,
  };
  return { row, failures };
}

export async function runShutdown(budget: ShutdownBudget): Promise<SectionResult> {
  const a = await shutdownUnderLoad(budget);
  const b = await shutdownWithSlowClient(budget);
  return { rows: [a.row, b.row], failures: [...a.failures, ...b.failures], details: [] };
}
