// Express 5 + cookie-session (signed with keygrip: the session and session.sig cookies).
// GET /mint/:n (bench only) sets user n's session; GET /count is the writes workload's counter.
import express from 'express';
import cookieSession from 'cookie-session';
import { PORT, SECRET, counterBody, lessonBody, parseCookies, userSession } from './common.mjs';

const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.use(cookieSession({ name: 'session', keys: [SECRET], httpOnly: true, path: '/' }));
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
