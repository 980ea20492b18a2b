// What a rejected cookie costs the core: 10,000 cookies of the bench's key whose signature
// was changed, each opened in turn (node bench/rejected-cookies.mjs [flask|sealed]). Prints
// CPU µs per rejected cookie: a client that sends bad cookies should cost no more than one
// that sends good ones.
import { CookieSessions } from 'signet-session';
import { SIGNET_SECRET_KEY } from './servers/common.mjs';

const format = process.argv[2] ?? 'flask';
const sessions = new CookieSessions({ secret: SIGNET_SECRET_KEY, format, warn: () => {} });
const good = sessions.save(sessions.open(undefined).session.set('user_id', 1)).setCookie.split(';')[0].slice('session='.length);
const bad = Array.from({ length: 10_000 }, (_, i) => good.slice(0, -6) + String(100_000 + i));
const REQUESTS = 200_000;
for (let round = 1; round <= 3; round++) {
  let rejected = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) if (sessions.open(bad[i % bad.length]).rejected !== undefined) rejected++;
  const used = process.cpuUsage(before);
  if (rejected !== REQUESTS) throw new Error(`${REQUESTS - rejected} changed cookies were accepted`);
  if (round === 3) console.log(`${format}: ${((used.user + used.system) / REQUESTS).toFixed(2)} CPU µs a rejected cookie`);
}
