// The peers' routes on Express, whatever keeps the session (`req.session`, as
// cookie-session and express-session both give it): the lesson's GET /sessions/:key,
// the writes workload's GET /count, and GET /mint/:n (bench only) for user n's session.
import { counterBody, lessonBody, parseCookies, userSession } from './common.mjs';

export function addExpressRoutes(app) {
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
}
