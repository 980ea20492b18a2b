// Express 5 + express-session, sessions in Redis through connect-redis's store on a
// node-redis 6 client (REDIS_URL, the harness's redis-server). As a careful user sets it
// up: resave false (a session that did not change is not written back), saveUninitialized
// false (a session is stored only once something is in it), the secret, and connect-redis's
// defaults otherwise: a day's TTL, pushed back on a request that changed nothing by its
// touch (one EXPIRE), as express-session asks of a store that has one.
// GET /mint/:n (bench only) stores user n's session; GET /count is the writes workload's counter.
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { PORT, SECRET, counterBody, lessonBody, parseCookies, userSession } from './common.mjs';

const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (error) => console.error(`redis: ${error.message}`));
await client.connect();

const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.use(session({ store: new RedisStore({ client }), secret: SECRET, name: 'session', resave: false, saveUninitialized: false, cookie: { httpOnly: true, path: '/' } }));
app.get('/sessions/:key', (req, res) => {
  req.session.hello = req.session.hello || 'World';
  req.session.goodnight = req.session.goodnight || 'Moon';
  res.cookie('mouse', 'Cookie', { path: '/' });
  res.type('application/json').send(lessonBody(req.params.key, req.session[req.params.key], parseCookies(req.headers.cookie)));
});
app.get('/count', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1;
  res.type('application/json').send(counterBody(req.session.visits));
});
app.get('/mint/:n', (req, res) => {
  Object.assign(req.session, userSession(Number(req.params.n)));
  res.send('minted');
});
app.listen(PORT, '127.0.0.1');
