// Express 5 + cookie-session (signed with keygrip: the session and session.sig cookies).
// GET /mint/:n (bench only) sets user n's session; GET /count is the writes workload's counter.
import express from 'express';
import cookieSession from 'cookie-session';
import { PORT, SECRET } from './common.mjs';
import { addExpressRoutes } from './express-routes.mjs';

const app = express();
app.set('etag', false);
app.set('x-powered-by', false);
app.use(cookieSession({ name: 'session', keys: [SECRET], httpOnly: true, path: '/' }));
addExpressRoutes(app);
app.listen(PORT, '127.0.0.1');
