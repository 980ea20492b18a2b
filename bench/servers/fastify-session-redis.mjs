// Fastify 5 + @fastify/cookie + @fastify/session, sessions in Redis through connect-redis's
// store on a node-redis 6 client (REDIS_URL, the harness's redis-server). As a careful user
// sets it up: saveUninitialized false (a session is stored only once something is in it),
// rolling false (its counterpart of express-session's resave false: with the default, true,
// every request with a session writes the whole session back, a SET, changed or not), the
// secret, secure false (plain HTTP here, as for every server in the bench), and connect-redis's
// defaults otherwise (a day's TTL, from the last write: @fastify/session never touches).
// GET /mint/:n (bench only) stores user n's session; the routes are the Fastify peers'.
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { PORT, SECRET, userSession } from './common.mjs';
import { addRoutes } from './fastify-routes.mjs';

const client = createClient({ url: process.env.REDIS_URL });
client.on('error', (error) => console.error(`redis: ${error.message}`));
await client.connect();

const app = Fastify({ logger: false });
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: SECRET,
  cookieName: 'session',
  store: new RedisStore({ client }),
  saveUninitialized: false,
  rolling: false,
  cookie: { secure: false, httpOnly: true, path: '/' },
});
addRoutes(app, (reply) => reply.setCookie('mouse', 'Cookie', { path: '/' }));
app.get('/mint/:n', (request) => {
  for (const [key, value] of Object.entries(userSession(Number(request.params.n)))) request.session.set(key, value);
  return 'minted';
});
await app.listen({ port: PORT, host: '127.0.0.1' });
