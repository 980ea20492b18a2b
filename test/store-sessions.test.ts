/**
 * Server-side sessions: session ids, and the store suite (support/store-suite.ts) on the
 * memory store and on a real redis-server that it starts on a free port and stops.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { MemoryStore, SessionIds, storageKey } from 'signet-session';
import { RedisStore } from 'signet-session/redis';
import { useRedisClient } from './support/redis-server.js';
import { SECRET, storeSuite, T0, type StoreBackend } from './support/store-suite.js';

const redisClient = useRedisClient();

let memory: MemoryStore | undefined;
const BACKENDS: readonly StoreBackend[] = [
  {
    name: 'the memory store',
    make: (clock) => (memory = new MemoryStore({ clock })),
    reset: () => Promise.resolve(),
    count: () => Promise.resolve(memory?.size ?? 0),
    dump: () => Promise.resolve(JSON.stringify([...(memory as unknown as { sessions: Map<string, { fields: Map<string, string> }> }).sessions].map(([key, entry]) => [key, [...entry.fields]]))),
  },
  {
    name: 'Redis',
    make: () => new RedisStore(redisClient()),
    reset: async () => {
      await redisClient().flushAll();
    },
    async count() {
      return (await redisClient().keys('signet:*:s:*')).length;
    },
    async dump() {
      const connected = redisClient();
      const keys = await connected.keys('*');
      return JSON.stringify(await Promise.all(keys.map(async (key) => [key, await connected.hGetAll(key)])));
    },
  },
];

describe('Session ids', () => {
  const ids = new SessionIds({ secret: SECRET });

  it('are a family of 8 and a secret of 43 base64url characters, signed, and new each time', () => {
    const id = ids.create();
    assert.match(id.family, /^[A-Za-z0-9_-]{8}$/);
    assert.match(id.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.notDeepEqual(ids.create(), id);
    assert.equal(ids.create(id.family).family, id.family, 'a regeneration keeps the family');
    const read = ids.read(ids.cookieValue(id));
    assert.ok(read.ok);
    assert.deepEqual(read.value.id, id);
  });

  it('refuse a changed cookie, another key\'s, and a signed value that is not an id', () => {
    const cookie = ids.cookieValue(ids.create());
    const changed = cookie.slice(0, 3) + (cookie[3] === 'a' ? 'b' : 'a') + cookie.slice(4);
    const verdict = (value: string): string | undefined => {
      const read = ids.read(value);
      return read.ok ? undefined : read.error.reason;
    };
    assert.equal(verdict(changed), 'signature-mismatch');
    assert.equal(verdict(new SessionIds({ secret: 'another secret entirely, 32+ bytes' }).cookieValue(ids.create())), 'signature-mismatch');
    // The same key, but not an id: the Signer under the id's salt, over other text.
    const other = new SessionIds({ secret: SECRET }) as unknown as { signer: { sign(value: string): string } };
    assert.equal(verdict(other.signer.sign('hello.world')), 'malformed');
    assert.equal(verdict(''), 'no-separator');
  });

  it('are kept under a key that holds the family as its hash tag and only a SHA-256 digest of the secret', () => {
    const id = ids.create();
    const key = storageKey(id);
    assert.equal(key, `signet:{${id.family}}:s:${createHash('sha256').update(id.secret).digest('base64url')}`);
    assert.ok(!key.includes(id.secret));
  });

  it('refuse injected random bytes of the wrong length, naming the option', () => {
    const broken = new SessionIds({ secret: SECRET, randomBytes: () => new Uint8Array(3) });
    assert.throws(() => broken.create(), /^TypeError: randomBytes is invalid: gave 3 bytes/);
  });
});

for (const backend of BACKENDS) storeSuite(backend);

describe('MemoryStore', () => {
  it('keeps at most maxSessions, dropping the one created first', async () => {
    const store = new MemoryStore({ maxSessions: 2 });
    const write = { set: new Map([['a', '1']]), remove: [], create: true, createdAt: T0, touchedAt: T0, expiresAt: 4_000_000_000, ttl: 3600, seenAt: T0 };
    for (const key of ['k1', 'k2', 'k3']) assert.deepEqual(await store.write(key, write), { ok: true, version: 1 });
    assert.equal(store.size, 2);
    assert.equal(await store.load('k1'), undefined);
    assert.ok((await store.load('k3')) !== undefined);
  });

  it('takes a key out in one step: of two takers, only the first gets it', async () => {
    const store = new MemoryStore();
    await store.write('k', { set: new Map([['_flashes', '[1]']]), remove: [], create: true, createdAt: T0, touchedAt: T0, expiresAt: 4_000_000_000, ttl: 3600, seenAt: T0 });
    const [first, second] = await Promise.all([store.take('k', '_flashes'), store.take('k', '_flashes')]);
    assert.equal(first, '[1]');
    assert.equal(second, undefined);
  });

  it('counts a user\'s generation up on each revocation, from 0', async () => {
    const store = new MemoryStore();
    assert.equal(await store.generation('ada'), 0);
    assert.equal(await store.revokeUser('ada'), 1);
    assert.equal(await store.revokeUser('ada'), 2);
    assert.equal(await store.generation('grace'), 0);
  });
});
