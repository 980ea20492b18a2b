import { CookieSessions, type SessionData } from 'signet-session';

// Any other framework: open the session from the cookie's value, save it before answering.
const sessions = new CookieSessions<SessionData>({ secret: process.env.SECRET_KEY! });

export function visit(cookieValue: string | undefined, overHttps: boolean): { setCookie?: string; vary: boolean; visits: number } {
  const { session, rejected } = sessions.open(cookieValue); // never throws; `rejected` says why a cookie was ignored
  if (rejected !== undefined) console.log(`session ignored: ${rejected.reason}`);
  const visits = (session.get('visits') ?? 0) + 1;
  session.set('visits', visits);
  const { setCookie, vary, error } = sessions.save(session, { secure: overHttps });
  if (error !== undefined) throw error; // CookieTooLarge: the session changed and cannot fit
  return { ...(setCookie === undefined ? {} : { setCookie }), vary, visits };
}
