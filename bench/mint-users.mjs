// The many-users sessions of bench/run.mjs for the lesson server's key, one Cookie value a
// line, for bench/load.lua: node mint-users.mjs FILE [USERS]. (bench/ab.sh LOAD=many.)
// SESSION_FORMAT=sealed: sealed tokens instead of Flask's format.
import { writeFileSync } from 'node:fs';
import { CookieSessions, FLASK_COOKIE, parseSecretSpec } from 'signet-session';
import { SIGNET_SECRET_KEY, userSession } from './servers/common.mjs';

const [file, count = '10000'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: node mint-users.mjs FILE [USERS]');
// The lesson's 16-byte key is weak on purpose (Flask's own cookies): no warning.
const sessions = new CookieSessions({ secret: parseSecretSpec(SIGNET_SECRET_KEY), format: process.env.SESSION_FORMAT === 'sealed' ? 'sealed' : 'flask', cookie: FLASK_COOKIE, warn: () => {} });
const lines = [];
for (let n = 1; n <= Number(count); n++) {
  const { session } = sessions.open(undefined);
  for (const [key, value] of Object.entries(userSession(n))) session.set(key, value);
  lines.push(sessions.save(session).setCookie.split(';')[0]);
}
writeFileSync(file, lines.join('\n') + '\n');
