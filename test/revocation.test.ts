/**
 * "Log out everywhere" (core/revocation.ts) through the engine every adapter uses: Flask
 * and sealed cookie sessions, and store sessions on the memory store and on a real
 * redis-server this test starts and stops. A session records the generation its user
 * logged in under; revokeUser moves the generation on, and the session is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, Revocation, SessionEngine, StoreUnavailable, type EngineOptions, type SessionStore } from 'signet-session';
import { RedisStore } from 'signet-session/redis';
import { engineRequest as request } from './support/engine-request.js';
import { useRedisClient } from './support/redis-server.js';

const SECRET = 'the revocation suite secret, 32+ bytes long';

const redisClient = useRedisClient();



const KINDS: ReadonlyArray<readonly [string, () => { options: EngineOptions; store: SessionStore }]> = [
  ['a Flask-format cookie session (generations in the memory store)', () => {
    const store = new MemoryStore();
    return { store, options: { secret: SECRET, format: 'flask' } };
  }],
  ['a sealed cookie session (generations in Redis)', () => {
    const store = new RedisStore(redisClient());
    return { store, options: { secret: SECRET, format: 'sealed' } };
  }],
  ['a store session on the memory store', () => {
    const store = new MemoryStore();
    return { store, options: { secret: SECRET, store } };
  }],
  ['a store session on Redis', () => {
    const store = new RedisStore(redisClient());
    return { store, options: { secret: SECRET, store } };
  }],
];

for (const [kind, make] of KINDS) {
  describe(`Revocation of ${kind}`, () => {
    it('refuses every session of a user once revoked, on every device, and lets the user log in again', async () => {
      const { store, options } = make();
      const revocation = new Revocation({ generations: store });
      const engine = new SessionEngine({ ...options, revocation });
      const user = `ada-${kind}`;
      const login = (session: import('signet-session').Session): void => { session.set('_user_id', user); };
      const laptop = await request(engine, { act: login });
      const phone = await request(engine, { act: login });
      assert.equal(laptop.data['_user_id'], user);
      assert.equal((await request(engine, { cookie: laptop.cookie ?? '' })).data['_user_id'], user, 'the session holds until revoked');

      await revocation.revokeUser(user);
      for (const device of [laptop, phone]) {
        const rejected: string[] = [];
        const after = await request(engine, { cookie: device.cookie ?? '' }, rejected);
        assert.deepEqual(after.data, {}, 'a new, empty session');
        // A store session the user's index lists is deleted at once; a cookie can only be refused.
        assert.deepEqual(rejected, ['store' in options ? 'unknown-session' : 'revoked']);
      }
      const again = await request(engine, { act: login });
      assert.equal((await request(engine, { cookie: again.cookie ?? '' })).data['_user_id'], user, 'a login after the revocation holds');
    });

    it('refuses a login that raced a revocation made elsewhere (it recorded the old generation) once the staleness window has passed', async () => {
      const { store, options } = make();
      let now = Date.now();
      const clock = (): number => now;
      const here = new Revocation({ generations: store, staleness: 5, clock });
      const engine = new SessionEngine({ ...options, clock, revocation: here });
      const user = `race-${kind}`;
      await request(engine, { act: (session) => { session.set('_user_id', user); } }); // this process now knows generation 0
      // A login starts here; while its handler runs, the user logs out everywhere on another server.
      const login = engine.begin({ cookieHeader: undefined });
      await login.ready();
      login.session.set('_user_id', user);
      await new Revocation({ generations: store }).revokeUser(user);
      const answer = await login.finish(); // recorded under generation 0, as this process still believes
      const cookie = (answer.setCookie[0] ?? '').split(';')[0]?.slice('session='.length) ?? '';
      assert.equal((await request(engine, { cookie })).data['_user_id'], user, 'within the window, this process still takes it');
      now += 6000;
      const rejected: string[] = [];
      assert.deepEqual((await request(engine, { cookie }, rejected)).data, {}, 'past the window it is refused');
      assert.deepEqual(rejected, ['revoked']);
      const elsewhere = new SessionEngine({ ...options, revocation: new Revocation({ generations: store }) });
      assert.deepEqual((await request(elsewhere, { cookie })).data, {}, 'and on a process that reads the generation afresh, at once');
    });

    it('leaves other users and anonymous sessions alone', async () => {
      const { store, options } = make();
      const revocation = new Revocation({ generations: store });
      const engine = new SessionEngine({ ...options, revocation });
      const grace = await request(engine, { act: (s) => void s.set('_user_id', `grace-${kind}`) });
      const anonymous = await request(engine, { act: (s) => void s.set('cart', 'apple') });
      await revocation.revokeUser(`ada2-${kind}`);
      assert.equal((await request(engine, { cookie: grace.cookie ?? '' })).data['_user_id'], `grace-${kind}`);
      assert.equal((await request(engine, { cookie: anonymous.cookie ?? '' })).data['cart'], 'apple');
    });
  });
}

describe('Revocation across processes, and from the app\'s own user table', () => {
  it('takes effect in another process within the staleness window, read from Redis', async () => {
    let now = Date.now();
    const clock = (): number => now;
    const store = new RedisStore(redisClient());
    const here = new SessionEngine({ secret: SECRET, format: 'flask', revocation: new Revocation({ generations: store, staleness: 5, clock }), clock });
    const elsewhere = new Revocation({ generations: store });
    const session = await request(here, { act: (s) => void s.set('_user_id', 'lin') });
    await elsewhere.revokeUser('lin');
    assert.equal((await request(here, { cookie: session.cookie ?? '' })).data['_user_id'], 'lin', 'within the window, the generation known here stands');
    now += 6000;
    assert.deepEqual((await request(here, { cookie: session.cookie ?? '' })).data, {}, 'past it, the session is refused');
  });

  it('reads generations from a function over the app\'s table (no Redis), and forget() makes a change seen at once', async () => {
    const table = new Map<string, number>([['kim', 3]]);
    const revocation = new Revocation({ generations: (user) => table.get(user) ?? 0 });
    const engine = new SessionEngine({ secret: SECRET, format: 'flask', revocation });
    const session = await request(engine, { act: (s) => void s.set('_user_id', 'kim') });
    assert.equal(session.data['_user_id'], 'kim');
    table.set('kim', 4);
    revocation.forget('kim');
    assert.deepEqual((await request(engine, { cookie: session.cookie ?? '' })).data, {});
    await assert.rejects(revocation.revokeUser('kim'), /revokeUser is invalid here/);
  });

  it("refuses a store session by its generation even when the user's index missed it (revocation does not depend on the index)", async () => {
    const store = new RedisStore(redisClient());
    const revocation = new Revocation({ generations: store });
    const engine = new SessionEngine({ secret: SECRET, store, revocation });
    const session = await request(engine, { act: (s) => void s.set('_user_id', 'noor') });
    await redisClient().del('signet:{u:noor}:i'); // the index lost it
    assert.deepEqual(await store.sessionsOf('noor'), []);
    await revocation.revokeUser('noor');
    const rejected: string[] = [];
    assert.deepEqual((await request(engine, { cookie: session.cookie ?? '' }, rejected)).data, {});
    assert.deepEqual(rejected, ['revoked']);
  });

  it("fails closed when the generations cannot be read, unless whenUnavailable allows a bounded staleness", async () => {
    let now = 1_000_000;
    const clock = (): number => now;
    let down = false;
    const generations = (): number => {
      if (down) throw new StoreUnavailable('the user table is unavailable');
      return 0;
    };
    const refusing = new SessionEngine({ secret: SECRET, format: 'flask', clock, revocation: new Revocation({ generations, staleness: 5, clock }) });
    const allowing = new SessionEngine({ secret: SECRET, format: 'flask', clock, revocation: new Revocation({ generations, staleness: 5, whenUnavailable: { allowStale: 60 }, clock }) });
    const login = (s: import('signet-session').Session): void => { s.set('_user_id', 'ravi'); };
    const refused = await request(refusing, { act: login });
    const allowed = await request(allowing, { act: login });
    down = true;
    now += 6000; // past the staleness window: the generation must be read again
    await assert.rejects(request(refusing, { cookie: refused.cookie ?? '' }), StoreUnavailable, "'refuse' (the default): the request fails closed, as a 503");
    assert.equal((await request(allowing, { cookie: allowed.cookie ?? '' })).data['_user_id'], 'ravi', 'the last known generation, read 6 s ago, still stands');
    const stranger = await request(new SessionEngine({ secret: SECRET, format: 'flask', clock }), { act: (s) => void s.set('_user_id', 'unseen') });
    await assert.rejects(request(allowing, { cookie: stranger.cookie ?? '' }), StoreUnavailable, 'a user never read is refused');
    now += 60_000;
    await assert.rejects(request(allowing, { cookie: allowed.cookie ?? '' }), StoreUnavailable, 'past allowStale, refused too');
    down = false;
    assert.equal((await request(allowing, { cookie: allowed.cookie ?? '' })).data['_user_id'], 'ravi', 'back once the source is');
  });

  it('refuses a bad configuration, naming the option', () => {
    assert.throws(() => new Revocation({ generations: () => 0, whenUnavailable: 'allow' as unknown as 'refuse' }), /^TypeError: revocation\.whenUnavailable is invalid: "allow"/);
    assert.throws(() => new Revocation({ generations: () => 0, whenUnavailable: { allowStale: -1 } }), /^TypeError: revocation\.whenUnavailable is invalid: \{"allowStale":-1\}/);
    assert.throws(() => new Revocation({ generations: 3 as unknown as () => number }), /^TypeError: revocation\.generations is invalid: number/);
    assert.throws(() => new Revocation({ generations: () => 0, staleness: -1 }), /^TypeError: revocation\.staleness is invalid: -1/);
    assert.throws(() => new SessionEngine({ secret: SECRET, revocation: {} as unknown as Revocation }), /^TypeError: revocation is invalid/);
  });
});
