/**
 * The lesson server as a user runs it (`node dist/src/server/main.js`), in its own
 * process on 127.0.0.1 and a port of its choosing. Every process started here is
 * remembered and killed when the suite exits, whatever way it exits.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

/** The compiled entry point of the lesson server (apps/lesson/dist/src/server/main.js), as `npm start` runs it. */
export const MAIN = fileURLToPath(import.meta.resolve('signet-lesson/server/main'));
/** The lesson's key: public, so anyone can sign a valid cookie with it. */
export const LESSON_SECRET_SPEC = 'hex:3f77855a0851bd4fb8a9b6354b6aa95f';
export const LESSON_KEY = Buffer.from('3f77855a0851bd4fb8a9b6354b6aa95f', 'hex');

export type ServerFormat = 'flask' | 'sealed' | 'sealed+migrate';
export const SERVER_FORMATS: readonly ServerFormat[] = ['flask', 'sealed', 'sealed+migrate'];
export const FORMAT_ENV: Readonly<Record<ServerFormat, Readonly<Record<string, string>>>> = {
  flask: {},
  sealed: { SESSION_FORMAT: 'sealed' },
  'sealed+migrate': { SESSION_FORMAT: 'sealed', SESSION_MIGRATE_FLASK: '1' },
};

/** The environment of every server the suite starts, before each check's own variables. */
export const BASE_ENV: Readonly<Record<string, string>> = {
  PORT: '0',
  HOST: '127.0.0.1',
  SECRET_KEY: LESSON_SECRET_SPEC,
  LOG_REQUESTS: '0',
};

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** performance.now() when it exited. */
  readonly at: number;
}

const running = new Set<ChildProcess>();
let hooked = false;

/** Kills every process this module started that is still running (SIGKILL). */
export function killAll(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** Remembers a process this suite started (wrk, say), so that it is killed at the exit. */
export function remember(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Output kept from a process: the first and the last bytes, and counts of lines that matter. */
export class OutputLog {
  private head = '';
  private tail = '';
  private partial = '';
  lines = 0;
  /** Lines the server writes when a request hit its error handler. */
  readonly internalErrors: string[] = [];
  internalErrorCount = 0;
  /** Lines that look like a stack trace or a raw exception. */
  readonly traces: string[] = [];
  /** Called with every line, for checks that need all of them. */
  readonly listeners: Array<(line: string) => void> = [];

  constructor(
    private readonly headBytes = 16 * 1024,
    private readonly tailBytes = 64 * 1024,
  ) {}

  add(chunk: string): void {
    if (this.head.length < this.headBytes) this.head += chunk.slice(0, this.headBytes - this.head.length);
    this.tail = (this.tail + chunk).slice(-this.tailBytes);
    const text = this.partial + chunk;
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.partial = text.slice(start);
    if (this.partial.length > 64 * 1024) {
      this.line(this.partial);
      this.partial = '';
    }
  }

  private line(line: string): void {
    this.lines++;
    for (const listener of this.listeners) listener(line);
    if (line.includes('internal error')) {
      this.internalErrorCount++;
      if (this.internalErrors.length < 20) this.internalErrors.push(line.slice(0, 500));
    }
    if (STACK_LINE.test(line) || RAW_ERROR.test(line)) {
      if (this.traces.length < 20) this.traces.push(line.slice(0, 500));
    }
  }

  /** The start and the end of what was written (all of it, when it was short). */
  text(): string {
    return this.head.length < this.headBytes ? this.head : `${this.head}\n[...]\n${this.tail}`;
  }

  lastLines(n: number): string {
    return this.tail.split('\n').slice(-n - 1).join('\n');
  }
}

/** "    at foo (file.js:1:2)", "    at node:internal/...": a stack frame. */
export const STACK_LINE = /^\s+at\s+\S.*(?:\(.*\)|:\d+:\d+|node:internal\S*)\s*$/;
/** A raw JavaScript exception as Node prints it when nothing catches it. */
export const RAW_ERROR = /^(?:Uncaught )?(?:\w+\.)?(?:Type|Range|Syntax|Reference|Eval|URI)?Error(?: \[\w+\])?: |^node:internal\/|^\s*throw |triggerUncaughtException/;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly log: OutputLog;
  /** Resolves when the process exits, never rejects. */
  readonly exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | undefined;
  /** Resident memory of the process in MiB (VmRSS), or undefined once it is gone. */
  rssMiB(): number | undefined;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /**
   * Variables whose value is given as bytes (hex) rather than text: set through bash's
   * printf, so that a value that is not UTF-8 reaches the server as those bytes.
   */
  readonly rawEnv?: Readonly<Record<string, string>>;
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly log: OutputLog;
  /** The start of what it wrote to stderr / stdout so far (up to 64 KiB each). */
  readonly stderr: () => string;
  readonly stdout: () => string;
  readonly exited: Promise<Exit>;
}

/**
 * Starts `node dist/src/server/main.js` with exactly `env` (and PATH), output captured.
 *
 * The output goes to files, not pipes: Node writes to a pipe synchronously, so a busy
 * reader (this process, sending a million requests) would stall the server it measures.
 * The files are read every 200 ms and once more at the exit, then deleted.
 */
export function spawnMain(options: SpawnOptions): Spawned {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'signet-rel-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env };
  const raw = Object.entries(options.rawEnv ?? {});
  const files = [join(cwd, '.stdout.log'), join(cwd, '.stderr.log')] as const;
  const fds = files.map((file) => openSync(file, 'w+'));
  const stdio: StdioOptions = ['ignore', fds[0], fds[1]];
  let child: ChildProcess;
  if (raw.length === 0) {
    child = spawn(process.execPath, [MAIN], { cwd, env, stdio });
  } else {
    // export NAME="$(printf '\xff...')": bash keeps the bytes; exec keeps the pid.
    const exports = raw.map(([name, hex]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || !/^(?:[0-9a-f]{2})*$/.test(hex)) throw new TypeError(`raw env is invalid: ${name}`);
      return `export ${name}="$(printf '${hex.replace(/(..)/g, '\\x$1')}')"`;
    });
    child = spawn('/bin/bash', ['-c', `${exports.join('; ')}; exec "$0" "$1"`, process.execPath, MAIN], { cwd, env, stdio });
  }
  remember(child);
  const log = new OutputLog();
  const texts = ['', ''];
  const offsets = [0, 0];
  const chunk = Buffer.allocUnsafe(1 << 20);
  // Node writes strings as UTF-8; a sequence split between two reads is kept for the next.
  const decoders = [new StringDecoder('utf8'), new StringDecoder('utf8')];
  const drain = (): void => {
    for (let k = 0; k < 2; k++) {
      const fd = fds[k] as number;
      for (let rounds = 0; rounds < 64; rounds++) {
        let n: number;
        try {
          n = readSync(fd, chunk, 0, chunk.length, offsets[k] as number);
        } catch {
          return;
        }
        if (n <= 0) break;
        offsets[k] = (offsets[k] as number) + n;
        const text = (decoders[k] as StringDecoder).write(chunk.subarray(0, n));
        if ((texts[k] as string).length < 64 * 1024) texts[k] = (texts[k] as string) + text.slice(0, 64 * 1024);
        log.add(text);
      }
    }
  };
  const timer = setInterval(drain, 200);
  timer.unref();
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      const at = performance.now();
      clearInterval(timer);
      drain();
      for (const fd of fds) closeSync(fd);
      if (options.cwd === undefined) rmSync(cwd, { recursive: true, force: true });
      else for (const file of files) rmSync(file, { force: true });
      resolve({ code, signal, at });
    });
  });
  return { child, log, exited, stdout: () => (drain(), texts[0] as string), stderr: () => (drain(), texts[1] as string) };
}

const LISTENING = /http:\/\/[^\s/]+:(\d+)\//;

/**
 * Starts the lesson server and waits for the line that says where it listens.
 * Rejects (after killing it) if it exits first or does not listen within `timeoutMs`.
 */
export async function startServer(env: Readonly<Record<string, string>> = {}, timeoutMs = 20_000): Promise<ServerProcess> {
  const spawned = spawnMain({ env: { ...BASE_ENV, ...env } });
  const { child, log, exited } = spawned;
  let exit: Exit | undefined;
  void exited.then((e) => (exit = e));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not listen within ${timeoutMs} ms:\n${log.text()}`));
    }, timeoutMs);
    const check = setInterval(() => {
      const match = LISTENING.exec(spawned.stdout());
      if (match !== null) {
        clearTimeout(timer);
        clearInterval(check);
        resolve(Number(match[1]));
      }
    }, 20);
    void exited.then((e) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`the server exited (${String(e.code ?? e.signal)}) before listening:\n${log.text()}`));
    });
  });
  const pid = child.pid ?? -1;
  return {
    child,
    pid,
    port,
    log,
    exited,
    exit: () => exit,
    rssMiB: () => rssMiB(pid),
    stop: async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) => {
      if (exit !== undefined) return exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}

/** VmRSS of a process in MiB, from /proc; undefined if it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined if it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based), in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of a process, from /proc. */
export function openFileLimit(pid: number | 'self'): number | undefined {
  try {
    const match = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${String(pid)}/limits`, 'latin1'));
    if (match === null) return undefined;
    return match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped. */
export class RssSampler {
  readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 1000,
  ) {
    this.take();
    this.timer = setInterval(() => {
      this.take();
    }, everyMs);
  }

  private take(): void {
    const rss = rssMiB(this.pid);
    if (rss !== undefined) this.samples.push(rss);
  }

  stop(): number[] {
    clearInterval(this.timer);
    this.take();
    return this.samples;
  }
}

export interface FlatVerdict {
  readonly ok: boolean;
  readonly warmMax: number;
  readonly lastMax: number;
  readonly max: number;
  readonly limit: number;
  readonly rule: string;
}

/**
 * The memory rule: after the warm-up samples, split the rest in thirds; the last
 * third's peak may exceed the first third's peak by at most 10 % plus `slackMiB`,
 * and no sample may exceed `capMiB`.
 */
export function flatAfterWarmup(samples: readonly number[], warmupSamples: number, slackMiB = 8, capMiB = 400): FlatVerdict {
  const rest = samples.slice(warmupSamples);
  const third = Math.max(1, Math.floor(rest.length / 3));
  const warmMax = Math.max(...rest.slice(0, third));
  const lastMax = Math.max(...rest.slice(-third));
  const max = Math.max(...samples);
  const limit = warmMax * 1.1 + slackMiB;
  const ok = rest.length >= 3 && lastMax <= limit && max <= capMiB;
  return { ok, warmMax, lastMax, max, limit, rule: `last third's peak ≤ first third's peak × 1.1 + ${slackMiB} MiB, and ≤ ${capMiB} MiB` };
}
