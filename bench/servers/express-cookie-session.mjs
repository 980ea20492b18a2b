// Express 5 + cookie-session (signed with keygrip).
import express from 'express';
import cookieSession from 'cookie-session';
import { PORT, SECRET, lessonBody, parseCookies } from './common.mjs';

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
app.listen(PORT, '127.0.0.1');
