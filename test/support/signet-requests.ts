/**
 * The signet side of the Flask oracle's `requests` op (test/oracle/flask_oracle.py):
 * the same requests, each at its own second, through signet's framework-neutral engine
 * (src/core/engine.ts, what every adapter calls), with the same step language on
 * signet's Session. Expected values never come from here: the tests compare these
 * answers with the ones the real Flask gives for the same requests.
 */
import { Markup, Tuple, type PyDict, type PyValue, type SessionOptions } from 'signet-session';
import { SessionEngine, varyWithCookie } from 'signet-session/core/engine';
import type { FlaskRequest, RequestStep } from './flask-oracle.js';
import { defineKey, fromTransport, toTransport, type Transport } from './transport.js';

/** What signet answers for one request, in the shape of the oracle's FlaskAnswer. */
export interface SignetAnswer {
  readonly set_cookie: readonly string[];
  readonly vary: string | null;
  readonly results: readonly Transport[];
  readonly error: { readonly error: string; readonly message: string } | null;
  readonly after_results: readonly Transport[];
  /** The session's flags when it was saved (both false for a session never opened). */
  readonly saved: { readonly accessed: boolean; readonly modified: boolean };
  /** The size budget's error, when the session was too large to save. */
  readonly tooLarge?: string;
}

type AnySession = ReturnType<SessionEngine['begin']>['session'];

function runStep(session: AnySession, step: RequestStep): PyValue {
  switch (step[0]) {
    case 'get':
    case 'getitem':
      return session.get(step[1]) ?? null;
    case 'contains':
      return session.has(step[1]);
    case 'len':
      return session.size;
    case 'keys':
      return session.keys();
    case 'set':
      session.set(step[1], fromTransport(step[2]));
      return null;
    case 'del':
      session.delete(step[1]);
      return null;
    case 'pop':
      return session.pop(step[1]) ?? null;
    case 'clear':
      session.clear();
      return null;
    case 'permanent_get':
      return session.permanent;
    case 'permanent_set':
      session.permanent = step[1];
      return null;
    case 'incr': {
      const value = ((session.get(step[1]) as number | undefined) ?? 0) + 1;
      session.set(step[1], value);
      return value;
    }
    case 'setdefault':
      throw new TypeError('signet\'s Session has no setdefault (a test maps it to get and set)');
    case 'flash': {
      const message = fromTransport(step[1]);
      if (typeof message !== 'string' && !(message instanceof Markup)) throw new TypeError('a flash message is text or Markup');
      session.flash(message, step[2]);
      return null;
    }
    case 'take': {
      const [, withCategories, filter] = step;
      const flashes = session.takeFlashes(filter);
      return flashes.map((flash) => (withCategories ? new Tuple([flash.category, flash.message]) : flash.message));
    }
    case 'modified':
      return session.modified;
    case 'set_modified':
      session.modified = step[1];
      return null;
    case 'dict': {
      // dict(session) as an app writes it with signet's API: every key read (toDict() is
      // for the code that writes the cookie, and counts as no access).
      const dict: PyDict = {};
      for (const key of session.keys()) defineKey(dict, key, session.get(key) as PyValue);
      return dict;
    }
  }
}

function runSteps(session: AnySession, steps: readonly RequestStep[]): { results: Transport[]; error: SignetAnswer['error'] } {
  const results: Transport[] = [];
  for (const step of steps) {
    try {
      results.push(toTransport(runStep(session, step)));
    } catch (error) {
      return { results, error: { error: (error as Error).name, message: (error as Error).message } };
    }
  }
  return { results, error: null };
}

/**
 * An app on signet's engine for the given options: `answer(request)` runs the view's
 * steps, then the after-request steps, then saves, at the request's second.
 */
export class SignetApp {
  private seconds = 0;
  readonly engine: SessionEngine;

  constructor(options: Omit<SessionOptions, 'clock'>) {
    this.engine = new SessionEngine({ ...options, clock: () => this.seconds * 1000 });
  }

  answer(request: FlaskRequest): SignetAnswer {
    this.seconds = request.now;
    const cookieHeader = request.cookie === undefined ? undefined : `${this.engine.cookieName}=${request.cookie}`;
    const handle = this.engine.begin({ cookieHeader, secure: false });
    const view = runSteps(handle.session, request.steps ?? []);
    const after = runSteps(handle.session, request.after ?? []);
    const outcome = handle.finish();
    if (outcome instanceof Promise) throw new TypeError('a cookie session saves synchronously');
    const preset = (request.vary ?? []).join(', ');
    const vary = outcome.vary ? varyWithCookie(preset === '' ? undefined : preset) : preset === '' ? null : preset;
    const session = handle.session;
    // Read the flags without opening a session the request never used.
    const saved = { accessed: session.accessed, modified: session.modified };
    return {
      set_cookie: outcome.error === undefined ? outcome.setCookie : outcome.clearCookie === undefined ? [] : [outcome.clearCookie],
      vary,
      results: view.results,
      error: view.error,
      after_results: after.results,
      saved,
      ...(outcome.error === undefined ? {} : { tooLarge: outcome.error.message }),
    };
  }
}

/**
 * The session cookie a browser keeps after an answer: the value of its Set-Cookie for
 * `name`, none when the answer deletes it, the previous one when it sets none.
 */
export function keptCookie(previous: string | undefined, setCookie: readonly string[] | undefined, name = 'session'): string | undefined {
  for (const header of setCookie ?? []) {
    const pair = header.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq) !== name) continue;
    const value = pair.slice(eq + 1);
    return value === '' || /;\s*max-age=0(;|$)/i.test(header) ? undefined : value;
  }
  return previous;
}

/** A Set-Cookie header as name=value and its attributes, names lower-cased, in order. */
export function cookieParts(header: string): { readonly pair: string; readonly attributes: readonly string[] } {
  const [pair = '', ...attributes] = header.split(/;\s*/);
  return { pair, attributes: attributes.map((attribute) => { const eq = attribute.indexOf('='); return eq < 0 ? attribute.toLowerCase() : `${attribute.slice(0, eq).toLowerCase()}=${attribute.slice(eq + 1)}`; }) };
}
