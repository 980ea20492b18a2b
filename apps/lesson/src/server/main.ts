/**
 * `npm start`: the lesson server, configured from the environment.
 * See config.ts for the variables. Ctrl-C (SIGINT) or SIGTERM stops it: no new
 * connections, requests in progress finish, and at SHUTDOWN_TIMEOUT the rest are closed.
 */
import { buildServer, type LessonServer } from './app.js';
import { loadConfig, type ServerConfig, type SessionType } from './config.js';
import { MemoryStore, type SessionStore } from 'signet-session/core/store';
import { RedisStore } from 'signet-session/redis';
import { LessonDatabase } from './database.js';
import { FRAMEWORK_NAMES } from './frameworks.js';

/** The exit codes of the server process. 2 is left to the command line's usage errors (`signet serve`). */
const EXIT = {
  /** Stopped, every request in progress answered. */
  stopped: 0,
  /** Could not start (a configuration error, the port taken), or an error while closing. */
  error: 1,
  /** Stopped at the shutdown deadline, or by a second signal: some connections were closed unfinished. */
  forced: 3,
} as const;

const out = (line: string): void => {
  process.stdout.write(`signet: ${line}\n`);
};

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: ServerConfig;
  let app: LessonServer;
  let store: OpenedStore | undefined;
  try {
    config = loadConfig(env);
    for (const notice of config.notices) out(notice);
    store = await openStore(config.store);
    app = await buildServer({
      framework: config.framework,
      secret: config.secret,
      session: config.session,
      logRequests: config.logRequests,
      ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
      ...(store === undefined ? {} : { store: store.store }),
      database: new LessonDatabase(config.databasePath), // checked now, opened on first use
      ...(config.loginLimit === undefined ? {} : { loginLimit: config.loginLimit }),
    });
  } catch (error) {
    await store?.close();
    // A ConfigError, or a TypeError of the core naming its setting: the message says it all.
    process.stderr.write(`signet: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.error;
    return;
  }
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await store?.close();
    process.stderr.write(`signet: cannot start: ${listenFailure(error, config.host, config.port)}\n`);
    process.exitCode = EXIT.error;
    return;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  // Before the line that says it is up: whoever reads that line may signal at once.
  const stopper = stopOnSignals(app, config.shutdownTimeout, () => store?.close() ?? Promise.resolve());
  process.on('SIGINT', () => {
    stopper('SIGINT');
  });
  process.on('SIGTERM', () => {
    stopper('SIGTERM');
  });
  const where = config.store.type === 'cookie' ? '' : `, sessions in ${config.store.type === 'redis' ? `Redis at ${redactedUrl(config.store.url)}` : 'memory'}`;
  out(`the lesson API is on http://${shown}:${port}/sessions/hello (${FRAMEWORK_NAMES[app.framework]}${where}; Ctrl-C stops it)`);
}

interface OpenedStore {
  readonly store: SessionStore;
  readonly close: () => Promise<void>;
}

/** SESSION_TYPE's store: none for cookie sessions; Redis connected before the server listens. */
async function openStore(type: SessionType): Promise<OpenedStore | undefined> {
  if (type.type === 'cookie') return undefined;
  if (type.type === 'memory') return { store: new MemoryStore(), close: () => Promise.resolve() };
  // Only when asked for: cookie sessions load no Redis client.
  const { createClient } = await import('redis');
  // At the start, a Redis that cannot be reached stops the start; once running, the client reconnects by itself.
  let started = false;
  const client = createClient({ url: type.url, socket: { connectTimeout: 5000, reconnectStrategy: (retries: number) => (started ? Math.min(retries * 100, 2000) : false) } });
  let lastError: unknown;
  let warned = false;
  client.on('error', (error: unknown) => {
    lastError = error;
    if (!started || warned) return;
    warned = true;
    out(`warning: Redis is unavailable (${error instanceof Error ? error.message : String(error)}): requests that need a session are answered 503 until it is back`);
  });
  client.on('ready', () => {
    if (warned) out('Redis is back');
    warned = false;
  });
  try {
    await client.connect();
  } catch (error) {
    const cause = lastError ?? error;
    throw new Error(`REDIS_URL is invalid or unreachable: ${redactedUrl(type.url)} (${cause instanceof Error ? cause.message : String(cause)}): start Redis there, or give another REDIS_URL`, { cause: error });
  }
  started = true;
  return {
    store: new RedisStore(client),
    close: async () => {
      await client.quit().catch(() => undefined);
    },
  };
}

/** A Redis URL without its password, for the log. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/**
 * The stop: the first signal closes the listener and idle connections and waits up to
 * `seconds` for the requests in progress (every answer now closes its connection); then,
 * or at a second signal, the remaining connections are closed and the exit code says so.
 */
function stopOnSignals(app: LessonServer, seconds: number, afterClose: () => Promise<void>): (signal: string) => void {
  let stopping = false;
  let forced = false;
  let deadline: NodeJS.Timeout | undefined;
  const force = (why: string): void => {
    clearTimeout(deadline);
    void app.openConnections().then((count) => {
      // Nothing left open: the stop is finishing by itself, and cut nothing short.
      if (forced || count === 0) return;
      forced = true;
      out(`${why}: closed ${count} connection${count === 1 ? '' : 's'} still open (exit code ${EXIT.forced})`);
      app.closeAllConnections();
      process.exitCode = EXIT.forced;
      // Should anything else keep the process alive, it still ends.
      setTimeout(() => process.exit(EXIT.forced), 2000).unref();
    });
  };
  return (signal) => {
    if (stopping) {
      force(`${signal} again`);
      return;
    }
    stopping = true;
    out(`${signal} received, closing: waiting up to ${seconds} s (SHUTDOWN_TIMEOUT) for requests in progress; ${signal} again stops at once`);
    deadline = setTimeout(() => {
      force(`the shutdown deadline of ${seconds} s passed`);
    }, seconds * 1000);
    app.close().then(afterClose).then(
      () => {
        clearTimeout(deadline);
        out(forced ? `stopped (exit code ${EXIT.forced})` : 'stopped');
      },
      (error: unknown) => {
        clearTimeout(deadline);
        process.stderr.write(`signet: error while closing: ${String(error)}\n`);
        process.exitCode = EXIT.error;
      },
    );
  };
}

await main();

/**
 * Why listening failed, naming the variable to change: an address that does not resolve or
 * is not on this machine is HOST's fault, a port in use or forbidden is PORT's.
 */
export function listenFailure(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return `HOST is invalid: ${JSON.stringify(host)} (${reason}; give an address of this machine such as 127.0.0.1, ::1 or 0.0.0.0, or a host name that resolves to one, such as localhost)`;
  }
  if (code === 'EADDRINUSE') return `PORT is invalid: ${port} (${reason}; another process listens there: stop it, or give another PORT)`;
  if (code === 'EACCES') return `PORT is invalid: ${port} (${reason}; ports below 1024 need privileges: give a PORT of 1024 or more)`;
  return `cannot listen on ${host}:${port}: ${reason}`;
}
