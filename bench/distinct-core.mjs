// The core's work for many distinct users, no HTTP: 10,000 valid cookies (a user id and a
// two-item list, as issue 11's workload), each request the next one: open it, write the
// lesson's two keys as its route does (`session["hello"] = session.get("hello") or
// "World"`), save (Flask re-signs after any write). WORK=lesson (the default): the
// sessions already hold those keys, as the bench's many-users sessions do, so only the
// timestamp changes; WORK=change: they do not, so every save writes new data.
// Prints CPU µs per request. node bench/distinct-core.mjs [flask|sealed] [seconds]
import { CookieSessions } from 'signet-session';
import { setMemosEnabled } from 'signet-session/core/memo';

// MEMOS=off: what the memos cost when every request misses them.
if (process.env.MEMOS === 'off') setMemosEnabled(false);

const format = process.argv[2] ?? 'flask';
const seconds = Number(process.argv[3] ?? 3);
let clockMs = 1_700_000_000_000;
const sessions = new CookieSessions({ secret: 'hex:3f77855a0851bd4fb8a9b6354b6aa95f', format, clock: () => clockMs });
const work = process.env.WORK ?? 'lesson';
if (!['lesson', 'change'].includes(work)) throw new Error(`WORK is invalid: ${work} (lesson or change)`);
const USERS = Number(process.env.USERS ?? 10_000); // USERS=1: the one-user steady state, every memo hitting
const cookies = [];
for (let n = 0; n < USERS; n++) {
  const session = sessions.open(undefined).session;
  session.set('user_id', n);
  session.set('cart', ['apple', `item-${n % 97}`]);
  if (work === 'lesson') session.set('hello', 'World').set('goodnight', 'Moon');
  const saved = sessions.save(session);
  cookies.push(/^session=([^;]*)/.exec(saved.setCookie)[1]);
}
let i = 0;
function request() {
  const { session } = sessions.open(cookies[i++ % USERS]);
  session.set('hello', session.get('hello') || 'World');
  session.set('goodnight', session.get('goodnight') || 'Moon');
  const saved = sessions.save(session);
  if (saved.setCookie === undefined) throw new Error('no cookie');
}
for (let k = 0; k < 20_000; k++) request(); // warm-up
const end = performance.now() + seconds * 1000;
let count = 0;
// CPU time, not wall time: on a shared machine this process may wait for a core.
const startCpu = process.cpuUsage();
while (performance.now() < end) {
  for (let k = 0; k < 1000; k++) request();
  count += 1000;
  clockMs += 1000; // a new second now and then, as on a server
}
const cpu = process.cpuUsage(startCpu);
const us = (cpu.user + cpu.system) / count;
console.log(`${format}, ${work}${process.env.MEMOS === 'off' ? ', memos off' : ''}: ${us.toFixed(2)} CPU µs a request (${count} requests over ${USERS} distinct cookies)`);
