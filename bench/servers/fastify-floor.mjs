// Fastify 5's own floor: its router answering the lesson's route (and the writes workload's
// /count) with constant bytes (floor.mjs's headers and body), no session. What any session
// layer on Fastify, ours or @fastify/secure-session, adds to.
import Fastify from 'fastify';
import { PORT } from './common.mjs';
import { FLOOR_BODY, FLOOR_HEADERS } from './floor-answer.mjs';

const app = Fastify({ logger: false });
const answer = (_request, reply) => {
  reply.headers(FLOOR_HEADERS);
  return reply.send(FLOOR_BODY);
};
app.get('/sessions/:key', answer);
app.get('/count', answer);
await app.listen({ port: PORT, host: '127.0.0.1' });
