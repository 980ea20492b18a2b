/**
 * The last moment before a node:http response's headers go out, for adapters over
 * node:http (Express): what on-headers does, plus replacing the answer when the
 * session cannot be saved. `writeHead`, `write` and `end` are wrapped on this one
 * response; the first of them to run (or Node's implicit writeHead) calls `prepare`
 * once, with the headers still open.
 */
import type { ServerResponse } from 'node:http';

/** An answer to send instead of the app's. */
export interface Replacement {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * `prepare` may give a promise (a store session's write): then the response's calls
 * wait, in order, until it settles, and its headers go out after the write. A promise
 * that rejects (the store is down) gives `onFailure`'s answer.
 */
export function beforeHeaders(
  res: ServerResponse,
  prepare: () => Replacement | undefined | Promise<Replacement | undefined>,
  onFailure: (error: unknown) => Replacement = storeFailure,
): void {
  let state: 'waiting' | 'preparing' | 'ready' = 'waiting';
  let replacement: Replacement | undefined;
  const waiting: Array<() => void> = [];
  const replace = (answer: Replacement | undefined): void => {
    replacement = answer;
    if (answer === undefined) return;
    // The app's body, its type and its validators no longer describe the answer.
    for (const name of ['content-length', 'content-type', 'content-encoding', 'etag', 'last-modified', 'transfer-encoding']) res.removeHeader(name);
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.setHeader('content-length', Buffer.byteLength(answer.body));
  };
  /** Whether the response may go on now (false: the call was queued until `prepare` settles). */
  const run = (call: () => void): boolean => {
    if (state === 'ready') return true;
    if (state === 'waiting') {
      if (res.headersSent) {
        state = 'ready';
        return true;
      }
      const prepared = prepare();
      if (!(prepared instanceof Promise)) {
        state = 'ready';
        replace(prepared);
        return true;
      }
      state = 'preparing';
      prepared.then(replace, (error: unknown) => { replace(onFailure(error)); }).finally(() => {
        state = 'ready';
        for (const queued of waiting.splice(0)) queued();
      });
    }
    waiting.push(call);
    return false;
  };
  // The response's own methods, called with `this` set to it below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { writeHead, write, end } = res;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!run(() => res.writeHead(...(args as [number])))) return this;
    // The app's status and header arguments give way to the replacement.
    return replacement === undefined ? (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args) : writeHead.call(this, replacement.status);
  };
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    if (!run(() => (res.write as (...a: unknown[]) => boolean)(...args))) return true; // kept until the headers can go
    if (replacement !== undefined) return true; // the app's body is not sent
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!run(() => (res.end as (...a: unknown[]) => ServerResponse)(...args))) return this;
    if (replacement === undefined) return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    return end.call(this, replacement.body, 'utf8', callback);
  } as ServerResponse['end'];
}

/** A session store that failed while saving: 503, JSON `{"error"}` (the cause goes to the app's error log, not the client). */
function storeFailure(): Replacement {
  return { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '1' }, body: JSON.stringify({ error: 'the session store is unavailable; try again shortly' }) + '\n' };
}
