/**
 * A real redis-server (Debian's) for the tests: started on a free port with no
 * persistence, stopped by the test that started it. Only this process is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, before } from 'node:test';
import { createClient } from 'redis';

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s). */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash would: nothing is flushed. */
  kill(): Promise<void>;
}

/**
 * `count` distinct free ports, all held open until every one is found (so none comes
 * twice).
 */
export async function freePorts(count: number): Promise<number[]> {
  const probes: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const probe = createServer();
      probes.push(probe);
      probe.listen(0, '127.0.0.1');
      await once(probe, 'listening');
    }
    return probes.map((probe) => {
      const address = probe.address();
      return typeof address === 'object' && address !== null ? address.port : 0;
    });
  } finally {
    await Promise.all(probes.map(async (probe) => {
      if (!probe.listening) return;
      probe.close();
      await once(probe, 'close');
    }));
  }
}

/** A redis-server with `args` (no persistence added here), once it accepts connections. `label` names it in errors. */
export async function spawnRedisServer(args: readonly string[], { cwd, label = 'redis-server', started }: { cwd?: string; label?: string; started?: (child: ChildProcess) => void } = {}): Promise<ChildProcess> {
  const child: ChildProcess = spawn('redis-server', args, { ...(cwd === undefined ? {} : { cwd }), stdio: ['ignore', 'pipe', 'pipe'] });
  started?.(child); // before it is up: a failed start can still be stopped
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${label} did not start within 5 s: ${output}`)); }, 5000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start (is Debian's redis-server installed?): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${String(code)}: ${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Stops a process this test started: SIGTERM, then SIGKILL after 2 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * A redis-server on `port` (by default a free one), with no persistence; or, given
 * `appendOnlyDir`, with an append-only file there synced on every write
 * (`appendfsync always`), so an answered write survives a crash.
 */
export async function startRedis(port?: number, { appendOnlyDir }: { appendOnlyDir?: string } = {}): Promise<RedisProcess> {
  port ??= (await freePorts(1))[0] as number;
  const persistence = appendOnlyDir === undefined ? ['--appendonly', 'no'] : ['--dir', appendOnlyDir, '--appendonly', 'yes', '--appendfsync', 'always'];
  const child = await spawnRedisServer(['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes']);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopProcess(child),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export type RedisClient = ReturnType<typeof createClient>;

/**
 * For a test file: a redis-server and a connected node-redis client, started before its
 * tests and stopped after them. Call at the top level; the getter gives the client.
 */
export function useRedisClient(): () => RedisClient {
  let redis: RedisProcess | undefined;
  let client: RedisClient | undefined;
  before(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  after(async () => {
    await client?.quit();
    await redis?.stop();
  });
  return () => {
    if (client === undefined) throw new Error('the Redis client is not connected yet (use it inside a test)');
    return client;
  };
}
