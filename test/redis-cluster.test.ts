/**
 * The store suite (support/store-suite.ts) on a real three-node Redis Cluster that this
 * file starts on free ports and stops (support/redis-cluster.ts), through a node-redis
 * cluster client: each command goes to the master of its key's slot. And what only a
 * cluster shows: a regeneration's two keys in one slot, sessions spread over the nodes,
 * the scripts loaded on each node, and revocation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { createCluster } from 'redis';
import { Revocation, ServerSessions, StoreUnavailable, SessionEngine, SessionIds, storageKey, type Session, type SessionId } from 'signet-session';
import { RedisStore } from 'signet-session/redis';
import { engineRequest as request } from './support/engine-request.js';
import { useRedisCluster, type RedisClusterClient } from './support/redis-cluster.js';
import { created, SECRET, storeSuite, valueOf, type StoreBackend } from './support/store-suite.js';

const redisCluster = useRedisCluster();

const storeOn = (cluster: RedisClusterClient): RedisStore => new RedisStore(cluster);

/** A client of each master. */
async function masters(): Promise<Array<Awaited<ReturnType<RedisClusterClient['nodeClient']>>>> {
  const cluster = redisCluster();
  return Promise.all(cluster.masters.map((master) => cluster.nodeClient(master)));
}

/** The port of the master that holds `key` (its slot, as the server computes it). */
async function masterPortOf(key: string): Promise<number> {
  const any = (await masters())[0];
  assert.ok(any !== undefined, 'a master');
  const shard = redisCluster().slots[await any.clusterKeySlot(key)];
  assert.ok(shard !== undefined, `the slot of ${key} has a master`);
  return shard.master.port;
}

/** The keys matching `pattern` on each master. */
async function keysByMaster(pattern: string): Promise<string[][]> {
  return Promise.all((await masters()).map((client) => client.keys(pattern)));
}

const BACKEND: StoreBackend = {
  name: 'a three-node Redis Cluster',
  make: () => storeOn(redisCluster()),
  reset: async () => {
    await Promise.all((await masters()).map((client) => client.flushAll()));
  },
  async count() {
    return (await keysByMaster('signet:*:s:*')).flat().length;
  },
  async dump() {
    const dumps = await Promise.all((await masters()).map(async (client) => {
      const keys = await client.keys('*');
      return Promise.all(keys.map(async (key) => {
        const type = await client.type(key);
        if (type === 'hash') return [key, await client.hGetAll(key)];
        if (type === 'zset') return [key, await client.zRangeWithScores(key, 0, -1)]; // a user's index
        return [key, await client.get(key)];
      }));
    }));
    return JSON.stringify(dumps.flat());
  },
};

storeSuite(BACKEND);

const idOf = (cookie: string): SessionId => {
  const read = new SessionIds({ secret: SECRET }).read(cookie);
  assert.ok(read.ok, 'the cookie holds a session id');
  return read.value.id;
};

describe('RedisStore on a three-node Redis Cluster', () => {
  it('runs on three masters that share out the 16384 slots, no replicas', () => {
    const cluster = redisCluster();
    assert.equal(cluster.masters.length, 3);
    assert.equal(new Set(cluster.masters.map((master) => master.port)).size, 3);
    assert.equal(cluster.replicas.length, 0);
    const owners = new Set(Array.from({ length: 16384 }, (_, slot) => cluster.slots[slot]?.master.port));
    assert.deepEqual([...owners].sort(), cluster.masters.map((master) => master.port).sort(), 'every slot has one of the three as its master');
  });

  it('keeps a session and its regeneration in one slot on one master, the old key forwarding to the new', async () => {
    await BACKEND.reset();
    const cluster = redisCluster();
    const sessions = new ServerSessions({ secret: SECRET, store: storeOn(cluster) });
    const before = await created(sessions, { user: 'ada' });
    const opened = await sessions.open(before);
    opened.session.regenerate();
    const after = valueOf((await sessions.save(opened.session, opened.loaded)).setCookie);
    const [oldKey, newKey] = [storageKey(idOf(before)), storageKey(idOf(after))];
    assert.notEqual(oldKey, newKey);
    const any = (await masters())[0];
    assert.ok(any !== undefined);
    const [oldSlot, newSlot] = await Promise.all([any.clusterKeySlot(oldKey), any.clusterKeySlot(newKey)]);
    assert.equal(oldSlot, newSlot, 'one hash tag, one slot');
    // Both keys on the master of that slot, and on no other.
    const holders = (await keysByMaster('signet:*:s:*')).map((keys) => [keys.includes(oldKey), keys.includes(newKey)]);
    assert.deepEqual(holders.filter(([old, fresh]) => old === true || fresh === true), [[true, true]]);
    const owner = await cluster.getNodeClientForKey(oldKey);
    assert.equal((await owner.hGet(oldKey, 'm:f')) !== null, true, 'the old key holds the forward');
    assert.deepEqual((await sessions.open(after)).session.toDict(), { user: 'ada' });
  });

  it('would refuse a script over two keys in different slots (so the one hash tag is what lets the regeneration run)', async () => {
    const cluster = redisCluster();
    const [a, b] = [storageKey({ family: 'aaaaaaaa', secret: 'x' }), storageKey({ family: 'bbbbbbbb', secret: 'x' })];
    const any = (await masters())[0];
    assert.ok(any !== undefined);
    assert.notEqual(await any.clusterKeySlot(a), await any.clusterKeySlot(b));
    const owner = await cluster.getNodeClientForKey(a);
    await assert.rejects(owner.eval("return redis.call('EXISTS', KEYS[1], KEYS[2])", { keys: [a, b] }), /CROSSSLOT/);
  });

  it('spreads the sessions of different families over every master, loading its scripts on each node it reaches', async () => {
    await BACKEND.reset();
    await Promise.all((await masters()).map((client) => client.scriptFlush())); // every node answers NOSCRIPT first
    const sessions = new ServerSessions({ secret: SECRET, store: storeOn(redisCluster()) });
    const cookies = await Promise.all(Array.from({ length: 50 }, (_, i) => created(sessions, { user: `user-${i}` })));
    const byMaster = await keysByMaster('signet:*:s:*');
    assert.equal(byMaster.flat().length, 50);
    assert.ok(byMaster.filter((keys) => keys.length > 0).length >= 2, `sessions on more than one master: ${byMaster.map((keys) => keys.length).join(', ')}`);
    // 50 random families leave a master empty with a chance of 3 * (2/3)^50, about 5e-9.
    assert.deepEqual(byMaster.map((keys) => keys.length > 0), [true, true, true], `sessions on every master: ${byMaster.map((keys) => keys.length).join(', ')}`);
    const cached = await Promise.all((await masters()).map(async (client) => Number(/^number_of_cached_scripts:(\d+)/m.exec(await client.info('memory'))?.[1])));
    assert.ok(cached.every((count) => count >= 1), `the write script loaded (by EVAL, after NOSCRIPT) on every master: ${cached.join(', ')}`);
    for (const [i, cookie] of cookies.entries()) assert.deepEqual((await sessions.open(cookie)).session.toDict(), { user: `user-${i}` });
  });

  it('counts each user\'s generation up on revocation, each user\'s under its own slot', async () => {
    await BACKEND.reset();
    const store = storeOn(redisCluster());
    const users = Array.from({ length: 12 }, (_, i) => `user ${i} {}:`); // braces and colons: encoded, not a hash tag
    assert.deepEqual(await Promise.all(users.map((user) => store.generation(user))), users.map(() => 0));
    assert.deepEqual(await Promise.all(users.map((user) => store.revokeUser(user))), users.map(() => 1));
    assert.equal(await store.revokeUser(users[0] ?? ''), 2);
    assert.deepEqual(await Promise.all(users.map((user) => store.generation(user))), users.map((_, i) => (i === 0 ? 2 : 1)));
    const byMaster = await keysByMaster('signet:{u:*}:g');
    assert.equal(byMaster.flat().length, users.length);
    assert.ok(byMaster.filter((keys) => keys.length > 0).length >= 2, `generations on more than one master: ${byMaster.map((keys) => keys.length).join(', ')}`);
  });

  it("revokes a user whose sessions are on several masters: each listed one deleted on its own node, other users' left alone", async () => {
    const { cluster, store, revocation, engine } = await revokingEngine();
    const devices = await Promise.all(Array.from({ length: 20 }, () => request(engine, { act: login('ada') })));
    const grace = await request(engine, { act: login('grace') });
    const keys = devices.map((device) => storageKey(idOf(device.cookie ?? '')));
    const index = 'signet:{u:ada}:i';
    assert.equal(await cluster.zCard(index), devices.length, 'the index lists every device');
    const indexPort = await masterPortOf(index);
    const masterPorts = await Promise.all(keys.map(masterPortOf));
    // 20 random families all on one master: a chance of 3 * (1/3)^20, about 1e-9.
    assert.ok(new Set(masterPorts).size >= 2, `ada's sessions on more than one master: ${masterPorts.join(', ')}`);
    assert.ok(masterPorts.some((port) => port !== indexPort), 'some session on another node than the index');
    for (const device of devices) assert.equal((await request(engine, { cookie: device.cookie ?? '' })).data['_user_id'], 'ada', 'the session holds until revoked');

    await revocation.revokeUser('ada');
    assert.equal(await store.generation('ada'), 1);
    assert.deepEqual((await keysByMaster('signet:*:s:*')).flat().filter((key) => keys.includes(key)), [], "no session of ada's left on any master");
    assert.equal(await cluster.exists(index), 0, 'the index deleted');
    for (const device of devices) {
      const rejected: string[] = [];
      assert.deepEqual((await request(engine, { cookie: device.cookie ?? '' }, rejected)).data, {}, 'a new, empty session');
      assert.deepEqual(rejected, ['unknown-session']);
    }
    assert.equal((await request(engine, { cookie: grace.cookie ?? '' })).data['_user_id'], 'grace');
    const again = await request(engine, { act: login('ada') });
    assert.equal((await request(engine, { cookie: again.cookie ?? '' })).data['_user_id'], 'ada', 'a login after the revocation holds');
  });

  it("refuses a revoked user's session that the index missed by its generation, read from the user's slot on another node", async () => {
    const { cluster, store, revocation, engine } = await revokingEngine();
    const sessions = await Promise.all(Array.from({ length: 6 }, () => request(engine, { act: login('noor') })));
    await cluster.del('signet:{u:noor}:i'); // the index lost them
    assert.deepEqual(await store.sessionsOf('noor'), []);
    await revocation.revokeUser('noor');
    assert.equal((await keysByMaster('signet:*:s:*')).flat().length, sessions.length, 'still in the store');
    for (const session of sessions) {
      const rejected: string[] = [];
      assert.deepEqual((await request(engine, { cookie: session.cookie ?? '' }, rejected)).data, {});
      assert.deepEqual(rejected, ['revoked']);
    }
  });
});

/** An empty cluster, and an engine on its store with revocation read from it. */
async function revokingEngine(): Promise<{ cluster: RedisClusterClient; store: RedisStore; revocation: Revocation; engine: SessionEngine }> {
  await BACKEND.reset();
  const cluster = redisCluster();
  const store = storeOn(cluster);
  const revocation = new Revocation({ generations: store });
  return { cluster, store, revocation, engine: new SessionEngine({ secret: SECRET, store, revocation }) };
}

const login = (user: string) => (session: Session): void => { session.set('_user_id', user); };

// Last: it stops one of the cluster's nodes.
describe('A Redis Cluster with a node down', { timeout: 30_000 }, () => {
  it("answers StoreUnavailable for the down node's slots, serves the others', and tells onError", async () => {
    // A client of its own, with no 'error' listener yet: the store then listens itself.
    const root = redisCluster().masters[0];
    assert.ok(root !== undefined);
    const cluster = createCluster({ rootNodes: [{ url: `redis://${root.host}:${root.port}` }], defaults: { socket: { reconnectStrategy: () => 200 } } });
    await cluster.connect();
    after(() => { cluster.destroy(); });
    const errors: unknown[] = [];
    const store = new RedisStore(cluster, { onError: (error) => errors.push(error) });
    const victim = cluster.masters[2];
    assert.ok(victim !== undefined);
    const probe = await cluster.nodeClient(victim);
    const onVictim: string[] = [];
    const elsewhere: string[] = [];
    for (let i = 0; (onVictim.length === 0 || elsewhere.length === 0) && i < 1000; i++) {
      const key = `signet:{f${i}}:s:x`;
      (cluster.slots[await probe.clusterKeySlot(key)]?.master.port === victim.port ? onVictim : elsewhere).push(key);
    }
    execFileSync('redis-cli', ['-p', String(victim.port), 'shutdown', 'nosave']);
    await assert.rejects(store.load(onVictim[0] ?? ''), StoreUnavailable);
    assert.equal(await store.load(elsewhere[0] ?? ''), undefined);
    for (let i = 0; errors.length === 0 && i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(errors.length >= 1, "onError was told of the node's connection errors");
  });
});
