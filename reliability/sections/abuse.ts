/**
 * Protocol abuse against a real server while a probe keeps timing a normal request:
 * oversized headers and malformed raw HTTP (one connection each), slow-header
 * clients (a header line a second), idle keep-alive connections by the thousand, and a
 * client that pipelines requests without ever reading the answers.
 */
import { connect, type Socket } from 'node:net';
import { Prober, ResponseParser, sendSolo, type SoloResult } from '../lib/http-raw.js';
import { fmt, markdownTable, type Row, type SectionResult } from '../lib/report.js';
import { FORMAT_ENV, openFileLimit, RssSampler, startServer, type ServerFormat } from '../lib/server.js';

export interface AbuseBudget {
  /** Each malformed input is sent this many times. */
  readonly repeats: number;
  readonly slowClients: number;
  /** How long the slow clients trickle their headers (a line a second). */
  readonly slowSeconds: number;
  readonly idleConnections: number;
  /** How long the idle connections stay open and idle. */
  readonly idleSeconds: number;
  /** Requests the non-reading client pipelines. */
  readonly floodRequests: number;
  readonly hangMs: number;
  readonly probeLimitMs: number;
}

const GET = 'GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n';

/** Malformed or oversized requests: [what, bytes]. Each must get a 4xx or a close, quickly. */
export const MALFORMED: ReadonlyArray<readonly [string, () => Buffer]> = [
  ['a 64 KiB header', () => Buffer.from(`${GET}X-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`)],
  ['a 1 MiB header', () => Buffer.from(`${GET}X-Big: ${'a'.repeat(1 << 20)}\r\n\r\n`)],
  ['a 20 KiB Cookie header', () => Buffer.from(`${GET}Cookie: session=${'A'.repeat(20 * 1024)}\r\n\r\n`)],
  ['5,000 headers', () => Buffer.from(`${GET}${'X-H: v\r\n'.repeat(5000)}\r\n`)],
  ['a 100 KiB URL', () => Buffer.from(`GET /sessions/${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`)],
  ['a request line of garbage', () => Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n', 'latin1')],
  ['no method', () => Buffer.from(' /sessions/hello HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['HTTP/9.9', () => Buffer.from('GET /sessions/hello HTTP/9.9\r\nHost: x\r\n\r\n')],
  ['a NUL in the URL', () => Buffer.from('GET /sessions/he\0llo HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')],
  ['a NUL in a header value', () => Buffer.from(`${GET}Cookie: session=\0\r\n\r\n`, 'latin1')],
  ['a NUL in a header name', () => Buffer.from(`${GET}Coo\0kie: a=b\r\n\r\n`, 'latin1')],
  ['header folding', () => Buffer.from(`${GET}Cookie: a=b\r\n session=c\r\n\r\n`)],
  ['a header without a colon', () => Buffer.from(`${GET}Cookie\r\n\r\n`)],
  ['bare LF line ends', () => Buffer.from('GET /sessions/hello HTTP/1.1\nHost: x\n\n')],
  ['bare CR line ends', () => Buffer.from('GET /sessions/hello HTTP/1.1\rHost: x\r\r')],
  ['chunk size not hex', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')],
  ['chunk size of 2^80', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nx\r\n')],
  ['a chunk longer than its size', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n')],
  ['a chunk extension of 64 KiB', () => Buffer.from(`POST /sessions/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;${'e'.repeat(64 * 1024)}\r\nhello\r\n0\r\n\r\n`)],
  ['Content-Length and Transfer-Encoding both', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n')],
  ['two different Content-Lengths', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 5\r\n\r\nhello')],
  ['Content-Length 10^20', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n')],
  ['Content-Length 10^12, 3 bytes sent', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\nabc')],
  ['Content-Length -1', () => Buffer.from('POST /sessions/hello HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n')],
  ['a 10 MB JSON body to the decoder', () => Buffer.from(`POST /inspect/decode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000011\r\n\r\n{"cookie":"${'A'.repeat(10_000_000)}`)],
  ['HTTP/2 preface', () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
  ['CONNECT', () => Buffer.from('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n')],
  ['an Upgrade to websocket', () => Buffer.from(`${GET}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`)],
  ['no Host header', () => Buffer.from('GET /sessions/hello HTTP/1.1\r\n\r\n')],
  ['1 MiB of random bytes', () => Buffer.from(Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24))],
];

type SlowOutcome = { readonly kind: 'answered' | 'cut' | 'other' | 'neither'; readonly ms: number; readonly status?: number };

/**
 * A client that sends a request line, then one header line a second for `seconds`, then
 * the end of its headers. It gets its answer, or (headers slower than the server allows)
 * a 408 or a close from the server: both are fine; a client still held after `seconds`
 * plus `hangMs` is not.
 */
function slowClient(port: number, seconds: number, hangMs: number): Promise<SlowOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const parser = new ResponseParser(() => false);
    let lines = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (kind: SlowOutcome['kind'], status?: number): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(guard);
      socket.destroy();
      resolve({ kind, ms: performance.now() - started, ...(status === undefined ? {} : { status }) });
    };
    const guard = setTimeout(() => {
      finish('neither');
    }, seconds * 1000 + hangMs);
    socket.on('connect', () => {
      socket.write(`GET /sessions/hello HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      timer = setInterval(() => {
        if (++lines <= seconds) socket.write(`X-Slow-${lines}: ${'v'.repeat(20)}\r\n`);
        else {
          clearInterval(timer);
          socket.write('Connection: close\r\n\r\n');
        }
      }, 1000);
    });
    socket.on('data', (chunk: Buffer) => {
      const answer = parser.feed(chunk)[0] ?? parser.end();
      if (answer !== undefined) finish(answer.status === 200 ? 'answered' : answer.status === 408 ? 'cut' : 'other', answer.status);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const answer = parser.end();
      if (answer === undefined) finish('cut');
      else finish(answer.status === 200 ? 'answered' : answer.status === 408 ? 'cut' : 'other', answer.status);
    });
  });
}

export async function runAbuse(format: ServerFormat, budget: AbuseBudget): Promise<SectionResult> {
  const started = performance.now();
  const server = await startServer(FORMAT_ENV[format]);
  const rss = new RssSampler(server.pid, 1000);
  const prober = new Prober(server.port, 100, budget.hangMs);
  const failures: string[] = [];
  const details: string[] = [];
  const name = `Protocol abuse (${format})`;

  // 1. Malformed and oversized requests, one connection each, a few at a time.
  const malformedRows: Array<Array<string | number>> = [];
  let malformed5xx = 0;
  let malformedHangs = 0;
  for (const [what, make] of MALFORMED) {
    const bytes = make();
    const statuses = new Map<string, number>();
    let slowest = 0;
    for (let k = 0; k < budget.repeats; k += 4) {
      const batch = await Promise.all(Array.from({ length: Math.min(4, budget.repeats - k) }, () => sendSolo(server.port, bytes, { timeoutMs: budget.hangMs })));
      for (const result of batch) {
        slowest = Math.max(slowest, result.ms);
        const key = outcomeOf(result);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (result.timedOut) malformedHangs++;
        if (result.answers.some((a) => a.status >= 500)) malformed5xx++;
      }
    }
    malformedRows.push([what, fmt(bytes.length), [...statuses].map(([k, n]) => `${n} × ${k}`).join(', '), fmt(slowest)]);
  }
  details.push(`### Protocol abuse, ${format}: malformed and oversized requests (${budget.repeats} of each)`, '', markdownTable(['input', 'bytes', 'what the server did', 'slowest ms'], malformedRows), '');
  if (malformed5xx > 0) failures.push(`${name}: ${malformed5xx} malformed requests got a 5xx`);
  if (malformedHangs > 0) failures.push(`${name}: ${malformedHangs} malformed requests were neither answered nor closed within ${fmt(budget.hangMs)} ms`);

  // 2 and 3 at once: slow-header clients and idle keep-alive connections, while probing.
  const limit = Math.min(openFileLimit('self') ?? 1024, openFileLimit(server.pid) ?? 1024);
  const idleWanted = Math.min(budget.idleConnections, Math.max(0, limit - budget.slowClients - 200));
  if (idleWanted < budget.idleConnections) failures.push(`${name}: only ${idleWanted} idle connections fit under the open-file limit of ${limit} (raise it: ulimit -n)`);
  const slowPromise = Promise.all(Array.from({ length: budget.slowClients }, () => slowClient(server.port, budget.slowSeconds, budget.hangMs)));
  const idle = await openIdle(server.port, idleWanted, budget.hangMs);
  await new Promise((r) => setTimeout(r, budget.idleSeconds * 1000));
  const stillOpen = idle.sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
  // Still usable: ask again on a tenth of them.
  const reuse = await Promise.all(idle.sockets.filter((_, i) => i % 10 === 0).map((socket) => askAgain(socket, budget.hangMs)));
  for (const socket of idle.sockets) socket.destroy();
  const slowOutcomes = await slowPromise;
  const slowCount = (kind: SlowOutcome['kind']): number => slowOutcomes.filter((o) => o.kind === kind).length;
  const slowCutMs = Math.max(0, ...slowOutcomes.filter((o) => o.kind === 'cut').map((o) => o.ms));
  const slowOther = slowOutcomes.filter((o) => o.kind === 'other').map((o) => o.status);
  if (slowCount('neither') > 0) failures.push(`${name}: ${slowCount('neither')} of ${budget.slowClients} slow-header clients were held ${budget.slowSeconds} s + ${fmt(budget.hangMs)} ms with neither an answer nor a close`);
  if (slowOther.length > 0) failures.push(`${name}: slow-header clients got statuses ${JSON.stringify(slowOther.slice(0, 10))} (neither their answer nor 408)`);
  if (idle.answered < idleWanted) failures.push(`${name}: only ${idle.answered} of ${idleWanted} idle connections got their first answer`);
  const reused = reuse.filter(Boolean).length;
  if (reused < reuse.length) failures.push(`${name}: ${reuse.length - reused} of ${reuse.length} idle connections did not answer a second request after ${budget.idleSeconds} s`);

  // 4. A client that pipelines without reading: the server must not buffer without bound.
  const before = server.rssMiB() ?? 0;
  const flood = await pipelineFlood(server.port, budget.floodRequests, 5000);
  const after = server.rssMiB() ?? 0;
  if (after - before > 150) failures.push(`${name}: a client that never reads its answers grew the server by ${fmt(after - before)} MiB`);

  const probe = await prober.stop();
  const crashed = server.exit() !== undefined;
  const exit = await server.stop();
  const samples = rss.stop();
  if (crashed) failures.push(`${name}: the server exited (${String(exit.code ?? exit.signal)}):\n${server.log.lastLines(30)}`);
  if (probe.hangs > 0 || probe.failures > 0) failures.push(`${name}: the probe failed ${probe.hangs + probe.failures} times: ${probe.problems.join('; ')}`);
  if (probe.maxMs > budget.probeLimitMs) failures.push(`${name}: the slowest probe took ${fmt(probe.maxMs)} ms (limit ${fmt(budget.probeLimitMs)})`);
  if (server.log.internalErrorCount > 0) failures.push(`${name}: the server logged ${server.log.internalErrorCount} internal errors, e.g. ${server.log.internalErrors[0] ?? ''}`);

  details.push(
    `Slow-header clients: ${budget.slowClients}, each a header line a second for ${budget.slowSeconds} s: ${slowCount('answered')} answered, ${slowCount('cut')} cut off by the server (408 or a close; the last after ${fmt(slowCutMs)} ms), ${slowOther.length} other, ${slowCount('neither')} held. ` +
      `Idle keep-alive connections: ${idleWanted} opened (open-file limit ${limit}), ${idle.answered} answered their first request, ${stillOpen} still open after ${budget.idleSeconds} s idle, ${reused} of ${reuse.length} asked again answered. ` +
      `A client pipelining ${fmt(budget.floodRequests)} requests without reading: ${flood.written ? 'all written' : `${fmt(flood.bytesWritten)} bytes written before the server stopped reading`}; server RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB. ` +
      `Probe: ${fmt(probe.count)} requests, slowest ${fmt(probe.maxMs)} ms.`,
    '',
  );
  const row: Row = {
    check: 'Protocol abuse',
    server: format,
    tried: `${MALFORMED.length} malformed inputs × ${budget.repeats}; ${budget.slowClients} slow-header clients for ${budget.slowSeconds} s; ${fmt(idleWanted)} idle keep-alive connections for ${budget.idleSeconds} s; ${fmt(budget.floodRequests)} pipelined unread`,
    outcome: `malformed: all 4xx or closed${malformedHangs > 0 ? ` but ${malformedHangs} hung` : ''}; slow clients: ${slowCount('answered')} answered, ${slowCount('cut')} cut by the server (408, within ${(slowCutMs / 1000).toFixed(1)} s), ${slowCount('neither')} held; idle ${stillOpen}/${idleWanted} still open, ${reused}/${reuse.length} reusable; flood +${fmt(after - before)} MiB`,
    fiveXX: `${malformed5xx} unexplained`,
    crashes: crashed ? 1 : 0,
    hangs: malformedHangs + probe.hangs + slowCount('neither'),
    slowestProbeMs: probe.maxMs,
    rss: samples.length === 0 ? '-' : `${(samples[0] ?? 0).toFixed(0)} → ${(samples[samples.length - 1] ?? 0).toFixed(0)} (max ${Math.max(...samples).toFixed(0)})`,
    seconds: (performance.now() - started) / 1000,
    pass: failures.length === 0,
  };
  return { rows: [row], failures, details };
}

function outcomeOf(result: SoloResult): string {
  if (result.timedOut) return 'no answer, no close (hang)';
  const statuses = result.answers.map((a) => a.status);
  const text = statuses.length === 0 ? 'closed without an answer' : statuses.join('+');
  return result.reset ? `${text} (reset)` : text;
}

/** Opens `count` connections, one GET each, and keeps them open. */
async function openIdle(port: number, count: number, hangMs: number): Promise<{ sockets: Socket[]; answered: number }> {
  const sockets: Socket[] = [];
  let answered = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      sockets.push(socket);
      const parser = new ResponseParser(() => false);
      const guard = setTimeout(resolve, hangMs);
      socket.on('error', () => undefined);
      socket.on('connect', () => socket.write(`${GET}\r\n`));
      const onData = (chunk: Buffer): void => {
        if (parser.feed(chunk).length > 0) {
          answered++;
          socket.off('data', onData);
          clearTimeout(guard);
          resolve();
        }
      };
      socket.on('data', onData);
    });
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, one));
  return { sockets, answered };
}

function askAgain(socket: Socket, hangMs: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const parser = new ResponseParser(() => false);
    const guard = setTimeout(() => {
      resolve(false);
    }, hangMs);
    socket.on('data', (chunk: Buffer) => {
      const answer = parser.feed(chunk)[0];
      if (answer !== undefined) {
        clearTimeout(guard);
        resolve(answer.status === 200);
      }
    });
    socket.write(`${GET}\r\n`);
  });
}

/** Writes `count` pipelined GETs and never reads; stops when the kernel buffers are full for `ms`. */
function pipelineFlood(port: number, count: number, ms: number): Promise<{ written: boolean; bytesWritten: number }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.pause(); // never read
    const request = Buffer.from(`${GET}\r\n`);
    let sent = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const bytesWritten = socket.bytesWritten;
      socket.destroy();
      resolve({ written: sent >= count && socket.writableLength === 0, bytesWritten });
    };
    const timer = setTimeout(finish, ms);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    const pump = (): void => {
      while (sent < count) {
        sent++;
        if (!socket.write(request)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('connect', pump);
  });
}
