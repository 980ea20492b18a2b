import express from 'express';
import { signetSession } from 'signet-session/express';

export const app = express();
app.use(signetSession({ secret: process.env.SECRET_KEY! }));

app.get('/visits', (req, res) => {
  const visits = (req.session.get('visits') ?? 0) + 1;
  req.session.set('visits', visits);
  res.json({ visits });
});
