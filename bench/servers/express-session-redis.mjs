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
import { PORT, SECRET } from './common.mjs';
import { addExpressRoutes } from './express-routes.mjs';

const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (error) => console.error(`redis: ${error.message}`));
await client.connect();

const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.use(session({ store: new RedisStore({ client }), secret: SECRET, name: 'session', resave: false, saveUninitialized: false, cookie: { httpOnly: true, path: '/' } }));
addExpressRoutes(app);
app.listen(PORT, '127.0.0.1');
