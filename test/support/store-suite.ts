/**
 * The store suite (core/server-sessions.ts, store.ts, redis.ts): the id in the cookie,
 * what the store keeps, and the rules of concurrent requests, each interleaved at a
 * chosen point (load A, load B, save A, save B), so that every race is deterministic.
 * Run on every store: the memory store and a real redis-server
 * (store-sessions.test.ts), and a three-node Redis Cluster (redis-cluster.test.ts).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { FORWARD_SECONDS, MemoryStore, ServerSessions, SessionConflict, SessionIds, storageKey, type ServerSessionOptions, type SessionStore } from 'signet-session';

export const SECRET = 'the server-session suite secret, 32+ bytes';
// Now, so that a real Redis's own expiry is in the future as it would be.
export const T0 = Math.floor(Date.now() / 1000);

export interface StoreBackend {
  readonly name: string;
  make(clock: () => number): SessionStore;
  /** Empties the store before each test. */
  reset(): Promise<void>;
  /** How many sessions the store holds. */
  count(): Promise<number>;
  /** Everything the store holds, as text (what a dump of it would show). */
  dump(): Promise<string>;
}

export const valueOf = (setCookie: string | undefined): string => {
  assert.ok(setCookie !== undefined, 'a cookie was set');
  const pair = setCookie.split(';', 1)[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1);
};

/** A session saved with `data`, as a first request would: its cookie value. */
export async function created(sessions: ServerSessions, data: Record<string, string | number>): Promise<string> {
  const { session, loaded } = await sessions.open(undefined);
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  return valueOf((await sessions.save(session, loaded)).setCookie);
}

export function storeSuite(backend: StoreBackend): void {
describe(`ServerSessions over ${backend.name}`, () => {
  function setup(options: Partial<ServerSessionOptions> = {}): { sessions: ServerSessions; store: SessionStore; clock: { now: number } } {
    const clock = { now: T0 * 1000 };
    const store = backend.make(() => clock.now);
    const sessions = new ServerSessions({ secret: SECRET, store, clock: () => clock.now, ...options });
    return { sessions, store, clock };
  }
  beforeEach(async () => {
    await backend.reset();
  });

  it('keeps the data in the store, with nothing of the cookie in it, and reads it back', async () => {
    const { sessions } = setup();
    const cookie = await created(sessions, { user: 'ada', visits: 1 });
    assert.equal(await backend.count(), 1);
    const { session, rejected } = await sessions.open(cookie);
    assert.equal(rejected, undefined);
    assert.deepEqual(session.toDict(), { user: 'ada', visits: 1 });
    const secret = cookie.split('.')[1] ?? '';
    const dump = await backend.dump();
    assert.match(dump, /ada/, 'the dump shows the data');
    assert.ok(!dump.includes(secret), 'a dump of the store holds no live cookie');
  });

  it('gives an unknown id a new session, never the id it came with', async () => {
    const { sessions } = setup();
    const ids = new SessionIds({ secret: SECRET });
    const unknown = ids.cookieValue(ids.create());
    const { session, loaded, rejected } = await sessions.open(unknown);
    assert.equal(rejected?.reason, 'unknown-session');
    session.set('a', 1);
    const issued = valueOf((await sessions.save(session, loaded)).setCookie);
    assert.notEqual(issued, unknown);
  });

  it('keeps both writes of two parallel requests that change different keys', async () => {
    const { sessions } = setup();
    const cookie = await created(sessions, { a: 0, b: 0 });
    const first = await sessions.open(cookie);
    const second = await sessions.open(cookie);
    first.session.set('a', 1);
    second.session.set('b', 2);
    await sessions.save(first.session, first.loaded);
    await sessions.save(second.session, second.loaded);
    assert.deepEqual((await sessions.open(cookie)).session.toDict(), { a: 1, b: 2 });
  });

  it('saves a list changed in place (its JSON changed), and sends nothing when nothing changed', async () => {
    const { sessions, store } = setup();
    const { session, loaded } = await sessions.open(undefined);
    session.set('cart', ['apple']);
    const cookie = valueOf((await sessions.save(session, loaded)).setCookie);
    const opened = await sessions.open(cookie);
    (opened.session.get('cart') as string[]).push('pear');
    await sessions.save(opened.session, opened.loaded);
    const again = await sessions.open(cookie);
    assert.deepEqual(again.session.get('cart'), ['apple', 'pear']);
    const version = (await store.load(storageKey((new SessionIds({ secret: SECRET }).read(cookie) as { value: { id: { family: string; secret: string } } }).value.id)))?.version;
    again.session.set('cart', ['apple', 'pear']); // the same JSON: no write
    const saved = await sessions.save(again.session, again.loaded);
    assert.equal(saved.setCookie, undefined);
    const after = await store.load(storageKey((new SessionIds({ secret: SECRET }).read(cookie) as { value: { id: { family: string; secret: string } } }).value.id));
    assert.equal(after?.version, version);
  });

  it('in strict mode, refuses the second of two parallel writes with a SessionConflict, saving nothing of it', async () => {
    const { sessions } = setup({ strict: true });
    const cookie = await created(sessions, { a: 0 });
    const first = await sessions.open(cookie);
    const second = await sessions.open(cookie);
    first.session.set('a', 1);
    second.session.set('a', 2);
    assert.equal((await sessions.save(first.session, first.loaded)).conflict, undefined);
    const refused = await sessions.save(second.session, second.loaded);
    assert.ok(refused.conflict instanceof SessionConflict);
    assert.equal((await sessions.open(cookie)).session.get('a'), 1);
  });

  it('never writes back a session that ended while the request ran (a logout in parallel): nothing is resurrected', async () => {
    const { sessions } = setup();
    const cookie = await created(sessions, { user: 'ada' });
    const inFlight = await sessions.open(cookie);
    const logout = await sessions.open(cookie);
    logout.session.clear();
    await sessions.save(logout.session, logout.loaded);
    assert.equal(await backend.count(), 0);
    inFlight.session.set('visits', 3);
    const saved = await sessions.save(inFlight.session, inFlight.loaded);
    assert.equal(saved.ended, true);
    assert.equal(saved.setCookie, undefined, 'no cookie: the browser may hold a newer one by now');
    assert.equal(await backend.count(), 0);
    assert.equal((await sessions.open(cookie)).rejected?.reason, 'unknown-session');
  });

  it('pushes the idle deadline back at most once per quarter of the idle window, and voids a session idle too long', async () => {
    const { sessions, store, clock } = setup({ idleTimeout: 400 });
    const cookie = await created(sessions, { a: 1 });
    const key = storageKey((new SessionIds({ secret: SECRET }).read(cookie) as { value: { id: { family: string; secret: string } } }).value.id);
    const visit = async (atSeconds: number): Promise<void> => {
      clock.now = (T0 + atSeconds) * 1000;
      const { session, loaded } = await sessions.open(cookie);
      session.get('a');
      await sessions.save(session, loaded);
    };
    await visit(50); // before a quarter (100 s): no write
    assert.equal((await store.load(key))?.version, 1);
    await visit(100); // a quarter: touched
    assert.equal((await store.load(key))?.touchedAt, T0 + 100);
    assert.equal((await store.load(key))?.expiresAt, T0 + 500);
    clock.now = (T0 + 100 + 401) * 1000;
    assert.equal((await sessions.open(cookie)).rejected?.reason, 'unknown-session');
  });

  it('keeps a session until the smaller of the idle and the absolute deadline, and voids it past the absolute one, however active', async () => {
    const { sessions, store, clock } = setup({ absoluteTimeout: 60, idleTimeout: 40 });
    const cookie = await created(sessions, { a: 1 });
    const key = storageKey((new SessionIds({ secret: SECRET }).read(cookie) as { value: { id: { family: string; secret: string } } }).value.id);
    assert.equal((await store.load(key))?.expiresAt, T0 + 40, 'the idle deadline first');
    clock.now = (T0 + 30) * 1000;
    const visit = await sessions.open(cookie);
    assert.equal(visit.rejected, undefined);
    visit.session.get('a');
    await sessions.save(visit.session, visit.loaded); // past a quarter of the idle window: touched
    assert.equal((await store.load(key))?.expiresAt, T0 + 60, 'never past the absolute deadline');
    clock.now = (T0 + 61) * 1000;
    assert.equal((await sessions.open(cookie)).rejected?.reason, 'unknown-session');
  });

  it('regenerates: a new id in the same family with the data kept, and the old id leads to it for the requests in flight', async () => {
    const { sessions, clock } = setup();
    const ids = new SessionIds({ secret: SECRET });
    const before = await created(sessions, { user: 'ada' });
    const inFlight = await sessions.open(before); // a request already running with the old cookie
    const login = await sessions.open(before);
    login.session.set('role', 'admin');
    login.session.regenerate();
    const after = valueOf((await sessions.save(login.session, login.loaded)).setCookie);
    const [oldId, newId] = [before, after].map((cookie) => (ids.read(cookie) as { value: { id: { family: string; secret: string } } }).value.id);
    assert.equal(newId?.family, oldId?.family);
    assert.notEqual(newId?.secret, oldId?.secret);
    assert.deepEqual((await sessions.open(after)).session.toDict(), { user: 'ada', role: 'admin' });
    assert.ok(!(await backend.dump()).includes(newId?.secret ?? '-'), 'the forward holds the new secret sealed, not as it is');
    // A request that comes with the old cookie now: the session, and the new cookie.
    const late = await sessions.open(before);
    assert.equal(late.rejected, undefined);
    assert.deepEqual(late.session.toDict(), { user: 'ada', role: 'admin' });
    late.session.get('user');
    assert.equal(valueOf((await sessions.save(late.session, late.loaded)).setCookie), after);
    // The request that read the session before the regeneration: its write goes to the new id.
    inFlight.session.set('cart', 'apple');
    const saved = await sessions.save(inFlight.session, inFlight.loaded);
    assert.equal(saved.ended, undefined);
    assert.equal(valueOf(saved.setCookie), after);
    assert.deepEqual((await sessions.open(after)).session.toDict(), { user: 'ada', role: 'admin', cart: 'apple' });
    if (backend.name === 'the memory store') {
      clock.now += (FORWARD_SECONDS + 1) * 1000;
      assert.equal((await sessions.open(before)).rejected?.reason, 'unknown-session', 'the old id leads nowhere after a few seconds');
    }
  });

  it('never forwards a regeneration that logs a user in or out: an id planted before a login leads nowhere (session fixation)', async () => {
    const { sessions } = setup();
    const planted = await created(sessions, { cart: 'apple' }); // the attacker's id, planted in the victim's browser
    const victim = await sessions.open(planted);
    victim.session.regenerate();
    victim.session.set('_user_id', 'victim');
    const loggedIn = valueOf((await sessions.save(victim.session, victim.loaded)).setCookie);
    assert.equal((await sessions.open(loggedIn)).session.get('_user_id'), 'victim');
    const attacker = await sessions.open(planted);
    assert.equal(attacker.rejected?.reason, 'unknown-session', 'the planted id is gone, not forwarded');
    assert.deepEqual(attacker.session.toDict(), {});
    const out = await sessions.open(loggedIn);
    out.session.regenerate();
    out.session.delete('_user_id');
    const loggedOut = valueOf((await sessions.save(out.session, out.loaded)).setCookie);
    assert.equal((await sessions.open(loggedIn)).rejected?.reason, 'unknown-session', 'a logout is not forwarded either');
    assert.deepEqual((await sessions.open(loggedOut)).session.toDict(), { cart: 'apple' });
  });

  it("lets a request that began before a login finish after it without wiping the login's cookie", async () => {
    const { sessions } = setup();
    const cookie = await created(sessions, { cart: 'apple' });
    const slow = await sessions.open(cookie); // began before the login
    const login = await sessions.open(cookie);
    login.session.regenerate();
    login.session.set('_user_id', 'ada');
    const loggedIn = valueOf((await sessions.save(login.session, login.loaded)).setCookie);
    slow.session.set('cart', 'pear');
    const late = await sessions.save(slow.session, slow.loaded);
    assert.equal(late.ended, true, 'its write has nowhere to go: the old id is gone');
    assert.equal(late.setCookie, undefined, 'and its answer leaves the browser the login cookie');
    assert.equal((await sessions.open(loggedIn)).session.get('_user_id'), 'ada');
  });

  it('regenerates with keep: false as a new, empty session under a new id', async () => {
    const { sessions } = setup();
    const before = await created(sessions, { user: 'ada' });
    const opened = await sessions.open(before);
    opened.session.regenerate({ keep: false });
    opened.session.set('fresh', 1);
    const after = valueOf((await sessions.save(opened.session, opened.loaded)).setCookie);
    assert.notEqual(after, before);
    assert.deepEqual((await sessions.open(after)).session.toDict(), { fresh: 1 });
  });

  it('shows flashed messages once: of two parallel requests only one gets them, and unshown ones stay for the next', async () => {
    const { sessions } = setup();
    const { session, loaded } = await sessions.open(undefined);
    session.set('user', 'ada'); // a session of flashes only would end once they are shown (emptied, as in Flask)
    session.flash('saved', 'info');
    const cookie = valueOf((await sessions.save(session, loaded)).setCookie);
    const [first, second] = await Promise.all([sessions.open(cookie), sessions.open(cookie)]);
    const shown = [first, second].map((request) => request.session.takeFlashes().map((flash) => flash.message));
    assert.deepEqual(shown.sort(), [[], ['saved']]);
    await Promise.all([first, second].map((request) => sessions.save(request.session, request.loaded)));
    assert.deepEqual((await sessions.open(cookie)).session.takeFlashes(), [], 'gone once shown');

    // A request that loads them but shows nothing gives them back.
    const again = await sessions.open(cookie);
    again.session.flash('later');
    await sessions.save(again.session, again.loaded);
    const unshown = await sessions.open(cookie);
    unshown.session.get('anything');
    await sessions.save(unshown.session, unshown.loaded);
    assert.deepEqual((await sessions.open(cookie)).session.takeFlashes().map((flash) => flash.message), ['later']);
  });

  /** A session logged in as `user` from a browser `userAgent`, as a login request saves it: its cookie. */
  async function loggedIn(sessions: ServerSessions, user: string, userAgent: string, data: Record<string, string | number> = {}): Promise<string> {
    const { session, loaded } = await sessions.open(undefined);
    session.set('_user_id', user);
    for (const [key, value] of Object.entries(data)) session.set(key, value);
    return valueOf((await sessions.save(session, loaded, { userAgent })).setCookie);
  }
  const idOf = async (sessions: ServerSessions, cookie: string): Promise<string | undefined> => (await sessions.open(cookie)).session.id;

  it("lists a logged-in user's sessions with their start, last sight and user agent, the last seen first, and no one else's", async () => {
    const { sessions, store, clock } = setup();
    const phone = await loggedIn(sessions, 'ada', 'Phone/1.0');
    clock.now += 60_000;
    const laptop = await loggedIn(sessions, 'ada', 'Laptop/2.0');
    await loggedIn(sessions, 'grace', 'Other/3.0');
    await created(sessions, { anonymous: 1 });
    const list = await store.sessionsOf('ada');
    assert.deepEqual(list.map((entry) => entry.userAgent), ['Laptop/2.0', 'Phone/1.0']);
    assert.deepEqual(list.map((entry) => entry.id), [await idOf(sessions, laptop), await idOf(sessions, phone)]);
    assert.deepEqual([list[1]?.createdAt, list[1]?.lastSeenAt, list[0]?.createdAt], [T0, T0, T0 + 60]);
    assert.ok(list.every((entry) => entry.expiresAt > T0 + 60));
    assert.match(list[0]?.id ?? '', /^[A-Za-z0-9_-]{8}$/, 'the id is the family, not the secret');
    assert.ok(!phone.includes('.' + (list[1]?.id ?? '') + '.') && phone.startsWith(list[1]?.id ?? '?'), "the phone cookie's family");
    assert.deepEqual((await store.sessionsOf('grace')).map((entry) => entry.userAgent), ['Other/3.0']);
    assert.deepEqual(await store.sessionsOf('nobody'), []);
  });

  it("updates a session's last sight on a write, and keeps one entry for it across a regeneration", async () => {
    const { sessions, store, clock } = setup();
    const cookie = await loggedIn(sessions, 'ada', 'Phone/1.0');
    clock.now += 120_000;
    const opened = await sessions.open(cookie);
    opened.session.set('visits', 1);
    await sessions.save(opened.session, opened.loaded);
    assert.equal((await store.sessionsOf('ada'))[0]?.lastSeenAt, T0 + 120);
    const again = await sessions.open(cookie);
    again.session.regenerate();
    const renewed = valueOf((await sessions.save(again.session, again.loaded, { userAgent: 'Phone/1.1' })).setCookie);
    const list = await store.sessionsOf('ada');
    assert.equal(list.length, 1, 'the old id forwards for a moment, but is not listed');
    assert.equal(list[0]?.id, await idOf(sessions, renewed));
    assert.equal(list[0]?.userAgent, 'Phone/1.1');
  });

  it('ends one session of a user by its listed id, even for a request in flight, and refuses to end another user\'s', async () => {
    const { sessions, store } = setup();
    const phone = await loggedIn(sessions, 'ada', 'Phone/1.0');
    const laptop = await loggedIn(sessions, 'ada', 'Laptop/2.0');
    const grace = await loggedIn(sessions, 'grace', 'Other/3.0');
    const phoneId = (await idOf(sessions, phone)) as string;
    const inFlight = await sessions.open(phone);
    assert.equal(await store.endSession('grace', phoneId), false, "grace cannot end ada's session");
    assert.equal((await sessions.open(phone)).rejected, undefined);
    assert.equal(await store.endSession('ada', phoneId), true);
    assert.equal(await store.endSession('ada', phoneId), false, 'already ended');
    assert.equal((await sessions.open(phone)).rejected?.reason, 'unknown-session');
    inFlight.session.set('visits', 9);
    assert.equal((await sessions.save(inFlight.session, inFlight.loaded)).ended, true, 'the request in flight does not bring it back');
    assert.equal((await sessions.open(phone)).rejected?.reason, 'unknown-session');
    assert.deepEqual((await store.sessionsOf('ada')).map((entry) => entry.userAgent), ['Laptop/2.0']);
    assert.equal((await sessions.open(laptop)).rejected, undefined);
    assert.equal((await sessions.open(grace)).rejected, undefined);
  });

  it('lists no session that was logged out, emptied, or logged in as someone else since', async () => {
    const { sessions, store } = setup();
    const loggedOut = await loggedIn(sessions, 'ada', 'A', { theme: 'dark' });
    const emptied = await loggedIn(sessions, 'ada', 'B');
    const switched = await loggedIn(sessions, 'ada', 'C');
    await loggedIn(sessions, 'ada', 'D');
    const out = await sessions.open(loggedOut);
    out.session.delete('_user_id'); // Flask-Login's logout_user: the rest of the session stays
    await sessions.save(out.session, out.loaded);
    const empty = await sessions.open(emptied);
    empty.session.clear();
    await sessions.save(empty.session, empty.loaded);
    const other = await sessions.open(switched);
    other.session.set('_user_id', 'grace');
    await sessions.save(other.session, other.loaded);
    assert.deepEqual((await store.sessionsOf('ada')).map((entry) => entry.userAgent), ['D']);
    assert.deepEqual((await store.sessionsOf('grace')).map((entry) => entry.userAgent), ['C'], 'listed under the user it now belongs to');
  });

  it("revokes a user: the listed sessions are deleted, and one the index never saw is refused by the generation", async () => {
    const { sessions, store } = setup();
    const listed = await loggedIn(sessions, 'ada', 'A', { _gen: 0 });
    // Logged in without the index knowing (written straight to the store, as by an older version).
    const { session, loaded } = await sessions.open(undefined);
    session.set('x', 1);
    const unlisted = valueOf((await sessions.save(session, loaded)).setCookie);
    const opened = await sessions.open(unlisted);
    const key = storageKey((new SessionIds({ secret: SECRET }).read(unlisted) as { value: { id: { family: string; secret: string } } }).value.id);
    await store.write(key, { set: new Map([['_user_id', '"ada"'], ['_gen', '0']]), remove: [], create: false, createdAt: T0, touchedAt: T0, expiresAt: T0 + 3600, ttl: 3600, seenAt: T0 });
    assert.equal(opened.rejected, undefined);
    assert.equal(await store.revokeUser('ada'), 1);
    assert.equal((await sessions.open(listed)).rejected?.reason, 'unknown-session', 'deleted with the index');
    const survivor = await sessions.open(unlisted);
    assert.equal(survivor.session.get('_gen'), 0, 'still in the store: only the generation refuses it (the engine checks it on every request)');
    assert.equal(await store.generation('ada'), 1);
    assert.deepEqual(await store.sessionsOf('ada'), [], 'and not listed: its generation is old');
  });

  it('writes and removes thousands of keys in one save (past what one Lua call can take)', async () => {
    const { sessions } = setup();
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const cookie = await created(sessions, many);
    const opened = await sessions.open(cookie);
    assert.equal(opened.session.size, 5000);
    for (let i = 0; i < 4500; i++) opened.session.delete(`k${i}`);
    opened.session.set('k4999', 'changed');
    await sessions.save(opened.session, opened.loaded);
    const again = (await sessions.open(cookie)).session;
    assert.equal(again.size, 500);
    assert.equal(again.get('k4999'), 'changed');
    assert.equal(again.get('k4500'), 4500);
  });

  it('refuses a missing store and a bad key prefix at construction, naming the option', () => {
    assert.throws(() => new ServerSessions({ secret: SECRET, store: undefined as unknown as MemoryStore }), /^TypeError: store is invalid: undefined/);
    assert.throws(() => new ServerSessions({ secret: SECRET, store: new MemoryStore(), keyPrefix: 'a b' }), /^TypeError: keyPrefix is invalid: "a b"/);
    assert.throws(() => new MemoryStore({ maxSessions: 0 }), /^TypeError: maxSessions is invalid: 0/);
  });
});
}

