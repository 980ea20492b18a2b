/**
 * What the engine asks of a request (core/engine.ts RequestFacts), read from it only
 * when asked, for the adapters. Classes, not object literals with closures: V8 may
 * decide to allocate a hot literal in the old generation ("pretenuring"), and then each
 * such object, dead or not, keeps its request alive through every scavenge
 * (docs/performance.md, 2026-12-04).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestFacts } from './core/engine.js';
import type { BadData } from './core/errors.js';
import { cameOverHttps } from './web-response.js';

/** A node:http request's facts (signet-session/express, signet-session/fastify); `isSecure` is the framework's own reading. */
export class NodeRequestFacts<R extends { readonly headers: IncomingHttpHeaders }> implements RequestFacts {
  readonly cookieHeader: string | undefined;

  constructor(
    private readonly request: R,
    private readonly isSecure: (request: R) => boolean,
    private readonly rejected: ((request: R, reason: BadData) => void) | undefined,
  ) {
    this.cookieHeader = request.headers.cookie;
  }

  get secure(): boolean {
    return this.isSecure(this.request);
  }

  get userAgent(): string | undefined {
    return this.request.headers['user-agent'];
  }

  onRejected(reason: BadData): void {
    this.rejected?.(this.request, reason);
  }
}

/** A Web Request's facts (signet-session/hono, signet-session/fetch); `subject` is what the app's onRejected is given (Hono's context, or the Request). */
export class WebRequestFacts<S> implements RequestFacts {
  readonly cookieHeader: string | undefined;

  constructor(
    private readonly request: Request,
    private readonly trustProxy: boolean,
    private readonly subject: S,
    private readonly rejected: ((subject: S, reason: BadData) => void) | undefined,
  ) {
    this.cookieHeader = request.headers.get('cookie') ?? undefined;
  }

  get secure(): boolean {
    return cameOverHttps(this.request, this.trustProxy);
  }

  get userAgent(): string | undefined {
    return this.request.headers.get('user-agent') ?? undefined;
  }

  onRejected(reason: BadData): void {
    this.rejected?.(this.subject, reason);
  }
}
