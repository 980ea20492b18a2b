// signet as an app uses it (the README's Fastify example), for the writes workload: the
// lesson server has no route that changes the session on every request. Fastify 5 +
// signet-session/fastify with the lesson's key and SESSION_FORMAT (flask or sealed), so the
// harness mints its cookies with the library; the routes are the Fastify peer's.
import Fastify from 'fastify';
import { signetSession } from 'signet-session/fastify';
import { parseSecretSpec } from 'signet-session';
import { PORT, SIGNET_SECRET_KEY } from './common.mjs';
import { addRoutes } from './fastify-routes.mjs';

const app = Fastify({ logger: false });
await app.register(signetSession, { secret: parseSecretSpec(process.env.SECRET_KEY ?? SIGNET_SECRET_KEY), format: process.env.SESSION_FORMAT === 'sealed' ? 'sealed' : 'flask' });
addRoutes(app, (reply) => reply.header('set-cookie', 'mouse=Cookie; Path=/'));
await app.listen({ port: PORT, host: '127.0.0.1' });
