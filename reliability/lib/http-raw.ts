/**
 * HTTP/1.1 over raw sockets, fast enough to send a million requests in a minute or two:
 * keep-alive connections with pipelining, requests prepared as bytes, and a small
 * incremental response parser (status line, headers, Content-Length or chunked body).
 * Also one-request connections for bytes that are not valid HTTP, and a prober that
 * keeps timing a normal request while the server is under attack.
 */
import { connect, type Socket } from 'node:net';

export interface RawRequest {
  readonly bytes: Buffer;
  /** A HEAD request: its answer has no body whatever its headers say. */
  readonly head?: boolean;
  /** What kind of input this is, for the counts. */
  readonly family: string;
}

export interface RawAnswer {
  /** The status code; 0 when the status line cannot be read. */
  readonly status: number;
  /** Status line and headers, latin1. */
  readonly head: string;
  readonly body: Buffer;
  /** The server said it closes the connection after this answer. */
  readonly close: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/**
 * Reads answers from a byte stream, in order. `isHead(k)` says whether the k-th answer
 * completed by the current `feed` call (0 for the first) answers a HEAD.
 */
export class ResponseParser {
  private buffer: Buffer = EMPTY;
  private current: { status: number; head: string; close: boolean; body: Buffer[]; remaining: number; mode: 'length' | 'chunked' | 'eof' } | undefined;
  private chunkRemaining = -1;
  private chunkTrailer = false;
  /** Bytes that could not be read as HTTP (the count). */
  garbage = 0;

  constructor(private readonly isHead: (k: number) => boolean) {}

  /** Feeds bytes; returns the answers completed by them. */
  feed(chunk: Buffer): RawAnswer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const answers: RawAnswer[] = [];
    for (;;) {
      if (this.current === undefined) {
        const end = this.buffer.indexOf(CRLFCRLF);
        if (end < 0) {
          if (this.buffer.length > 1024 * 1024) {
            this.garbage += this.buffer.length;
            this.buffer = EMPTY;
          }
          break;
        }
        const head = this.buffer.toString('latin1', 0, end);
        this.buffer = this.buffer.subarray(end + 4);
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        const status = match === null ? 0 : Number(match[1]);
        const close = /\r\nconnection:[ \t]*close/i.test(head);
        const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
        const chunked = /\r\ntransfer-encoding:[ \t]*chunked/i.test(head);
        const noBody = this.isHead(answers.length) || status === 204 || status === 304 || (status >= 100 && status < 200);
        if (noBody) {
          answers.push({ status, head, body: EMPTY, close });
          continue;
        }
        if (chunked) {
          this.current = { status, head, close, body: [], remaining: 0, mode: 'chunked' };
          this.chunkRemaining = -1;
          this.chunkTrailer = false;
        } else if (length !== null) {
          this.current = { status, head, close, body: [], remaining: Number(length[1]), mode: 'length' };
        } else {
          this.current = { status, head, close: true, body: [], remaining: Infinity, mode: 'eof' };
        }
      }
      const current = this.current;
      if (current.mode === 'length') {
        const take = Math.min(current.remaining, this.buffer.length);
        if (take > 0) current.body.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        current.remaining -= take;
        if (current.remaining > 0) break;
        answers.push(this.finish());
        continue;
      }
      if (current.mode === 'eof') {
        if (this.buffer.length > 0) current.body.push(this.buffer);
        this.buffer = EMPTY;
        break;
      }
      // chunked
      if (!this.readChunks(current)) break;
      answers.push(this.finish());
    }
    return answers;
  }

  private readChunks(current: { body: Buffer[] }): boolean {
    for (;;) {
      if (this.chunkTrailer) {
        const end = this.buffer.indexOf(CRLF);
        if (end < 0) return false;
        this.buffer = this.buffer.subarray(end + 2);
        if (end === 0) return true; // the empty line after the last chunk
        continue;
      }
      if (this.chunkRemaining < 0) {
        const end = this.buffer.indexOf(CRLF);
        if (end < 0) return false;
        const size = parseInt(this.buffer.toString('latin1', 0, end), 16);
        this.buffer = this.buffer.subarray(end + 2);
        if (!Number.isFinite(size)) {
          this.garbage++;
          return true;
        }
        if (size === 0) {
          this.chunkTrailer = true;
          continue;
        }
        this.chunkRemaining = size + 2; // data and its CRLF
      }
      const take = Math.min(this.chunkRemaining, this.buffer.length);
      if (take === 0) return false;
      current.body.push(this.buffer.subarray(0, take));
      this.buffer = this.buffer.subarray(take);
      this.chunkRemaining -= take;
      if (this.chunkRemaining > 0) return false;
      // drop the CRLF that ended the chunk from the body
      const last = current.body.pop() as Buffer;
      if (last.length > 2) current.body.push(last.subarray(0, last.length - 2));
      this.chunkRemaining = -1;
    }
  }

  private finish(): RawAnswer {
    const current = this.current as NonNullable<ResponseParser['current']>;
    this.current = undefined;
    const body = current.body.length === 0 ? EMPTY : current.body.length === 1 ? (current.body[0] as Buffer) : Buffer.concat(current.body);
    return { status: current.status, head: current.head, body, close: current.close };
  }

  /** At the end of the stream: an answer whose body ran to the close, if one was open. */
  end(): RawAnswer | undefined {
    if (this.current?.mode === 'eof') return this.finish();
    return undefined;
  }

  /** Whether an answer was half read when the stream ended. */
  partial(): boolean {
    return this.current !== undefined || this.buffer.length > 0;
  }
}

export interface PipelineOptions {
  readonly port: number;
  readonly connections: number;
  /** Requests in flight per connection. */
  readonly depth: number;
  /** The next request, or undefined when there are no more. */
  readonly next: () => RawRequest | undefined;
  readonly onAnswer: (request: RawRequest, answer: RawAnswer) => void;
  /** A request not answered within `hangMs` of the last byte the connection received. */
  readonly onHang: (request: RawRequest, waitedMs: number) => void;
  /** The connection ended without answering, and without having said it would close. */
  readonly onDropped: (request: RawRequest, why: string) => void;
  readonly hangMs: number;
  /** Stop early (the server died, the time is up). */
  readonly stop: () => boolean;
}

export interface PipelineStats {
  sent: number;
  answered: number;
  resent: number;
  dropped: number;
  hung: number;
  connections: number;
  connectErrors: number;
}

interface Flight {
  readonly request: RawRequest;
  tries: number;
}

/** Sends requests over keep-alive connections, pipelined, until `next` runs out or `stop` says so. */
export function runPipelined(options: PipelineOptions): Promise<PipelineStats> {
  const stats: PipelineStats = { sent: 0, answered: 0, resent: 0, dropped: 0, hung: 0, connections: 0, connectErrors: 0 };
  const retry: Flight[] = [];
  let exhausted = false;
  const take = (): Flight | undefined => {
    const again = retry.shift();
    if (again !== undefined) return again;
    if (exhausted || options.stop()) return undefined;
    const request = options.next();
    if (request === undefined) {
      exhausted = true;
      return undefined;
    }
    return { request, tries: 0 };
  };

  return new Promise((resolve) => {
    let open = 0;
    const live = new Set<() => void>();
    const watchdog = setInterval(() => {
      for (const check of live) check();
    }, 250);
    const finished = (): void => {
      if (open > 0) return;
      if (retry.length > 0 && !options.stop()) {
        start();
        return;
      }
      clearInterval(watchdog);
      resolve(stats);
    };

    const start = (): void => {
      open++;
      stats.connections++;
      const inflight: Flight[] = [];
      let closing = false;
      let lastProgress = performance.now();
      let ended = false;
      const parser = new ResponseParser((k) => inflight[k]?.request.head === true);
      const socket: Socket = connect({ port: options.port, host: '127.0.0.1', noDelay: true });
      const fill = (): void => {
        if (closing || ended) return;
        const batch: Buffer[] = [];
        while (inflight.length < options.depth) {
          const flight = take();
          if (flight === undefined) break;
          inflight.push(flight);
          batch.push(flight.request.bytes);
          stats.sent++;
          if (flight.tries > 0) stats.resent++;
        }
        if (batch.length > 0) {
          if (inflight.length === batch.length) lastProgress = performance.now();
          socket.write(batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch));
        } else if (inflight.length === 0) {
          socket.end();
        }
      };
      const check = (): void => {
        if (inflight.length === 0 || ended) return;
        const waited = performance.now() - lastProgress;
        if (waited < options.hangMs) return;
        const first = inflight.shift() as Flight;
        options.onHang(first.request, waited);
        stats.hung++;
        // The ones behind it were never answered either: try them once more elsewhere.
        for (const flight of inflight.splice(0)) requeue(flight, 'behind a hung request');
        socket.destroy();
      };
      const requeue = (flight: Flight, why: string): void => {
        if (options.stop()) return; // the time is up: not sent again, and not lost either
        if (flight.tries >= 2) {
          stats.dropped++;
          options.onDropped(flight.request, why);
        } else {
          flight.tries++;
          retry.push(flight);
        }
      };
      live.add(check);
      socket.on('connect', fill);
      socket.on('data', (chunk: Buffer) => {
        lastProgress = performance.now();
        for (const answer of parser.feed(chunk)) {
          const flight = inflight.shift();
          if (flight === undefined) continue; // an answer to nothing: counted as garbage below
          stats.answered++;
          options.onAnswer(flight.request, answer);
          if (answer.close) closing = true;
        }
        if (closing) {
          // Announced: whatever is still in flight was not read. Send it again elsewhere.
          for (const flight of inflight.splice(0)) requeue(flight, 'after Connection: close');
          socket.end();
        } else {
          fill();
        }
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (stats.answered === 0 && error.code === 'ECONNREFUSED') stats.connectErrors++;
      });
      socket.on('close', () => {
        ended = true;
        live.delete(check);
        const last = parser.end();
        if (last !== undefined) {
          const flight = inflight.shift();
          if (flight !== undefined) {
            stats.answered++;
            options.onAnswer(flight.request, last);
            closing = true;
          }
        }
        for (const flight of inflight.splice(0)) {
          if (closing) requeue(flight, 'after Connection: close');
          else {
            stats.dropped++;
            options.onDropped(flight.request, 'the connection ended without an answer');
          }
        }
        open--;
        if (!exhausted && !options.stop()) start();
        else finished();
      });
    };
    for (let i = 0; i < options.connections; i++) start();
  });
}

export interface SoloResult {
  readonly answers: RawAnswer[];
  /** The server closed (or reset) the connection. */
  readonly closed: boolean;
  readonly reset: boolean;
  /** Neither an answer and close nor a reset within the time. */
  readonly timedOut: boolean;
  /** An answer was cut off by the close. */
  readonly partial: boolean;
  readonly ms: number;
  /** Milliseconds from the start to the first complete answer. */
  readonly firstAnswerMs: number | undefined;
  readonly bytesReceived: number;
}

/**
 * One connection for one piece of input (which may be anything but HTTP): write it,
 * half-close, and read until the server closes. `pieces` with `gapMs` sends slowly.
 */
export function sendSolo(port: number, bytes: Buffer | readonly Buffer[], options: { timeoutMs: number; head?: boolean; gapMs?: number; endAfter?: boolean } = { timeoutMs: 10_000 }): Promise<SoloResult> {
  const started = performance.now();
  const pieces = Buffer.isBuffer(bytes) ? [bytes] : bytes;
  return new Promise((resolve) => {
    const answers: RawAnswer[] = [];
    const parser = new ResponseParser(() => options.head === true);
    let reset = false;
    let received = 0;
    let done = false;
    let firstAnswerMs: number | undefined;
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    const timer = setTimeout(() => {
      finish(true);
    }, options.timeoutMs);
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const last = parser.end();
      if (last !== undefined) answers.push(last);
      socket.destroy();
      resolve({ answers, closed: !timedOut, reset, timedOut, partial: parser.partial(), ms: performance.now() - started, firstAnswerMs, bytesReceived: received });
    };
    socket.on('connect', () => {
      void (async () => {
        for (const [i, piece] of pieces.entries()) {
          if (done) return;
          if (i > 0 && options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs));
          if (socket.destroyed) return;
          socket.write(piece);
        }
        if (options.endAfter !== false && !socket.destroyed) socket.end();
      })();
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      answers.push(...parser.feed(chunk));
      if (firstAnswerMs === undefined && answers.length > 0) firstAnswerMs = performance.now() - started;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
    });
    socket.on('close', () => {
      finish(false);
    });
  });
}

/** Runs `count` solo requests from `make`, `parallel` at a time. */
export async function runSolos(count: number, parallel: number, make: (i: number) => { bytes: Buffer; head?: boolean; family: string }, port: number, timeoutMs: number, onResult: (family: string, result: SoloResult) => void, stop: () => boolean): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stop()) {
      const i = next++;
      const request = make(i);
      const result = await sendSolo(port, request.bytes, { timeoutMs, ...(request.head === undefined ? {} : { head: request.head }) });
      done++;
      onResult(request.family, result);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return done;
}

export interface ProbeStats {
  count: number;
  failures: number;
  hangs: number;
  maxMs: number;
  /** What went wrong, a few examples. */
  readonly problems: string[];
  readonly latencies: number[];
}

/**
 * Keeps asking a normal `GET /sessions/hello` on a new connection each time, one at a
 * time, every `everyMs`, and records how long each answer took from the connect.
 */
export class Prober {
  readonly stats: ProbeStats = { count: 0, failures: 0, hangs: 0, maxMs: 0, problems: [], latencies: [] };
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly port: number,
    private readonly everyMs = 100,
    private readonly hangMs = 10_000,
    private readonly path = '/sessions/hello',
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const request = Buffer.from(`GET ${this.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1');
    while (!this.stopped) {
      const started = performance.now();
      const result = await sendSolo(this.port, request, { timeoutMs: this.hangMs });
      const answer = result.answers[0];
      const ms = result.firstAnswerMs ?? result.ms;
      this.stats.count++;
      this.stats.latencies.push(ms);
      if (ms > this.stats.maxMs) this.stats.maxMs = ms;
      if (result.timedOut) {
        this.stats.hangs++;
        this.problem(`no answer within ${this.hangMs} ms`);
      } else if (answer?.status !== 200 || !answer.body.includes('"World"')) {
        this.stats.failures++;
        this.problem(answer === undefined ? `no answer (${result.reset ? 'reset' : 'closed'})` : `status ${answer.status}`);
      }
      const wait = this.everyMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private problem(text: string): void {
    if (this.stats.problems.length < 10) this.stats.problems.push(text);
  }

  async stop(): Promise<ProbeStats> {
    this.stopped = true;
    await this.loop;
    return this.stats;
  }
}
