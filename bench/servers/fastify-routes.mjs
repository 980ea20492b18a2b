// The routes of the two Fastify servers whose sessions have get and set, @fastify/secure-session's
// and signet-session/fastify's: the lesson's, and the writes workload's counter.
// `setMouse(reply)` sets the lesson's plain cookie as each one's app would.
import { counterBody, lessonBody, parseCookies } from './common.mjs';

export function addRoutes(app, setMouse) {
  app.get('/sessions/:key', (request, reply) => {
    const session = request.session;
    session.set('hello', session.get('hello') || 'World');
    session.set('goodnight', session.get('goodnight') || 'Moon');
    setMouse(reply);
    reply.header('content-type', 'application/json');
    return lessonBody(request.params.key, session.get(request.params.key), parseCookies(request.headers.cookie));
  });
  app.get('/count', (request, reply) => {
    const visits = (request.session.get('visits') ?? 0) + 1;
    request.session.set('visits', visits);
    reply.header('content-type', 'application/json');
    return counterBody(visits);
  });
}
