/**
 * A session's outcome applied to a Web `Response` (for signet-session/fetch and signet-session/hono):
 * the headers added, or the error answer instead. Headers of a Response from `fetch()`
 * or `Response.redirect()` are immutable, so those are copied into a new Response.
 */
import { defaultErrorAnswer, varyWithCookie, type SessionOutcome } from './core/engine.js';
import type { CookieTooLarge } from './core/errors.js';

/** The app's answer when a changed session cannot fit (nothing was saved); `clearCookie` deletes the request's cookie. */
export type TooLargeAnswer = (error: CookieTooLarge, clearCookie: string | undefined) => Response;

export const defaultTooLargeResponse: TooLargeAnswer = (error, clearCookie) => {
  const answer = defaultErrorAnswer({ setCookie: [], vary: true, error, ...(clearCookie === undefined ? {} : { clearCookie }) });
  const headers = new Headers(answer.headers);
  for (const cookie of answer.setCookie) headers.append('set-cookie', cookie);
  return new Response(answer.body, { status: answer.status, headers });
};

export function applyOutcome(response: Response, outcome: SessionOutcome, onTooLarge: TooLargeAnswer): Response {
  if (outcome.conflict !== undefined) {
    const answer = defaultErrorAnswer({ ...outcome, conflict: outcome.conflict });
    return withHeaders(new Response(answer.body, { status: answer.status, headers: answer.headers }), outcome.vary, []);
  }
  if (outcome.error !== undefined) {
    const answer = onTooLarge(outcome.error, outcome.clearCookie);
    return outcome.vary ? withHeaders(answer, outcome.vary, []) : answer;
  }
  if (!outcome.vary && outcome.setCookie.length === 0) return response;
  return withHeaders(response, outcome.vary, outcome.setCookie);
}

function withHeaders(response: Response, vary: boolean, setCookie: readonly string[]): Response {
  const add = (target: Response): Response => {
    if (vary) target.headers.set('vary', varyWithCookie(target.headers.get('vary') ?? undefined));
    for (const cookie of setCookie) target.headers.append('set-cookie', cookie);
    return target;
  };
  try {
    return add(response);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return add(new Response(response.body, response)); // immutable headers: the same answer, with headers of its own
  }
}

/**
 * Whether a request came over HTTPS: its URL says so, or, only when the app trusts the
 * proxy in front of it, the first `X-Forwarded-Proto` does.
 */
export function cameOverHttps(request: Request, trustProxy: boolean): boolean {
  if (request.url.startsWith('https:')) return true;
  if (!trustProxy) return false;
  const forwarded = request.headers.get('x-forwarded-proto');
  return forwarded !== null && forwarded.split(',', 1)[0]?.trim().toLowerCase() === 'https';
}
