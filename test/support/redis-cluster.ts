/**
 * A real three-node Redis Cluster (Debian's redis-server and redis-cli) for the tests:
 * three masters on free ports, no replicas, no persistence, each in its own temporary
 * directory, stopped by the test that started it. Only these processes are stopped.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createClient, createCluster } from 'redis';
import { freePorts, spawnRedisServer, stopProcess } from './redis-server.js';

export interface RedisClusterProcess {
  /** The three nodes' client ports. */
  readonly ports: readonly number[];
  /** One node's URL: a client discovers the others from it. */
  readonly url: string;
  /** Stops the three servers (SIGTERM, then SIGKILL after 2 s) and removes their directories. */
  stop(): Promise<void>;
}

interface Node {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
}

/** One cluster-enabled redis-server on `port`, its bus on `busPort`, in a new temporary directory. */
async function startNode(port: number, busPort: number, nodes: Node[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `signet-redis-cluster-${port}-`));
  const args = [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', join(dir, `nodes-${port}.conf`),
    '--cluster-port', String(busPort),
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', 'no',
    '--protected-mode', 'yes',
  ];
  await spawnRedisServer(args, { cwd: dir, label: `redis-server (cluster node on ${port})`, started: (child) => nodes.push({ port, dir, child }) });
}

/** `redis-cli --cluster create`: the 16384 slots shared out over the three masters. */
function createClusterOf(ports: readonly number[]): Promise<void> {
  const args = ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'];
  return new Promise<void>((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 20_000 }, (error, stdout, stderr) => {
      // redis-cli can exit 0 after printing an error: its success line is the proof.
      if (error === null && stdout.includes('[OK] All 16384 slots covered')) resolve();
      else reject(new Error(`redis-cli --cluster create ${ports.join(' ')} failed${error === null ? '' : ` (${error.message})`}: ${stdout}${stderr}`));
    });
  });
}

/** Polls CLUSTER INFO on every node until each says cluster_state:ok and knows the three nodes. */
async function waitUntilOk(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const clients = ports.map((port) => createClient({ url: `redis://127.0.0.1:${port}` }));
  try {
    await Promise.all(clients.map((client) => client.connect()));
    const last = new Map<number, string>();
    for (;;) {
      const infos = await Promise.all(clients.map((client) => client.clusterInfo()));
      infos.forEach((info, i) => last.set(ports[i] ?? 0, info));
      if (infos.every((info) => /^cluster_state:ok\r?$/m.test(info) && /^cluster_known_nodes:3\r?$/m.test(info) && /^cluster_slots_ok:16384\r?$/m.test(info))) return;
      if (Date.now() > deadline) {
        const states = [...last].map(([port, info]) => `${port}: ${/^cluster_state:\w+/m.exec(info)?.[0] ?? info}, ${/^cluster_known_nodes:\d+/m.exec(info)?.[0] ?? '?'}`);
        throw new Error(`the Redis Cluster was not ok on every node within ${timeoutMs} ms (${states.join('; ')})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await Promise.all(clients.filter((client) => client.isOpen).map((client) => client.close()));
  }
}

/** Three cluster-enabled redis-servers on free ports, made one cluster, ready (cluster_state:ok on each). */
export async function startRedisCluster({ timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<RedisClusterProcess> {
  // A node's cluster bus gets a port of its own (--cluster-port): the default, the port +
  // 10000, is past 65535 for a free port high in Linux's range (32768-60999).
  const [port1, port2, port3, bus1, bus2, bus3] = await freePorts(6);
  const ports = [port1, port2, port3] as number[];
  const buses = [bus1, bus2, bus3] as number[];
  const nodes: Node[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => stopProcess(node.child)));
    await Promise.all(nodes.map((node) => rm(node.dir, { recursive: true, force: true })));
  };
  try {
    // Every start settles before a failure is thrown: none is left starting after stop().
    const started = await Promise.allSettled(ports.map((port, i) => startNode(port, buses[i] ?? 0, nodes)));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await createClusterOf(ports);
    await waitUntilOk(ports, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, url: `redis://127.0.0.1:${String(port1)}`, stop };
}

export type RedisClusterClient = ReturnType<typeof createCluster>;

/**
 * For a test file: a three-node Redis Cluster and a connected node-redis cluster client,
 * started before its tests and stopped after them. Call at the top level; the getter
 * gives the client.
 */
export function useRedisCluster(): () => RedisClusterClient {
  let redis: RedisClusterProcess | undefined;
  let cluster: RedisClusterClient | undefined;
  before(async () => {
    redis = await startRedisCluster();
    cluster = createCluster({ rootNodes: [{ url: redis.url }] });
    await cluster.connect();
  });
  after(async () => {
    // destroy, not close: close waits for commands to nodes a test may have stopped.
    if (cluster?.isOpen === true) cluster.destroy();
    await redis?.stop();
  });
  return () => {
    if (cluster === undefined) throw new Error('the Redis Cluster client is not connected yet (use it inside a test)');
    return cluster;
  };
}
