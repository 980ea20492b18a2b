// The authentication lesson's routes as a user would build them on Express 5 +
// express-session + connect-redis (REDIS_URL), for bench/auth.mjs: POST /signup,
// POST /login (scrypt at the same OWASP parameters as the lesson server, N=2^17, r=8, p=1,
// session regenerated), GET /check_session. Users live in a Map: a lighter lookup than
// the lesson server's SQLite, so the comparison favours this peer.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { PORT, SECRET } from './common.mjs';

const scryptAsync = promisify(scrypt);
const PARAMS = { N: 2 ** 17, r: 8, p: 1, maxmem: 128 * 8 * (2 ** 17 + 2) + 128 * 8 };
const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (error) => console.error(`redis: ${error.message}`));
await client.connect();

const users = new Map();
const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.use(express.json({ limit: '8kb' }));
app.use(session({ store: new RedisStore({ client }), secret: SECRET, name: 'session', resave: false, saveUninitialized: false, cookie: { httpOnly: true, path: '/', sameSite: 'lax' } }));
app.post('/signup', async (req, res) => {
  const { username, password } = req.body ?? {};
  if (typeof username !== 'string' || typeof password !== 'string' || users.has(username)) return res.status(422).json({ errors: ['invalid'] });
  const salt = randomBytes(16);
  const user = { id: users.size + 1, username, salt, hash: await scryptAsync(password, salt, 32, PARAMS) };
  users.set(username, user);
  req.session.regenerate(() => {
    req.session.user_id = user.id;
    res.status(201).json({ id: user.id, username });
  });
});
app.post('/login', async (req, res) => {
  const { username, password } = req.body ?? {};
  const user = users.get(username);
  const hash = await scryptAsync(typeof password === 'string' ? password : '', user?.salt ?? randomBytes(16), 32, PARAMS);
  if (user === undefined || !timingSafeEqual(hash, user.hash)) return res.status(401).json({ error: 'Invalid username or password' });
  req.session.regenerate(() => {
    req.session.user_id = user.id;
    res.json({ id: user.id, username });
  });
});
app.get('/check_session', (req, res) => {
  const user = [...users.values()].find((candidate) => candidate.id === req.session.user_id);
  if (user === undefined) return res.status(401).json({ error: 'not logged in' });
  res.json({ id: user.id, username: user.username });
});
app.get('/sessions/:key', (_req, res) => res.json({})); // the harness's start probe
app.listen(PORT, '127.0.0.1');
