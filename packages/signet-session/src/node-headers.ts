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

export function beforeHeaders(res: ServerResponse, prepare: () => Replacement | undefined): void {
  let prepared = false;
  let replacement: Replacement | undefined;
  const run = (): void => {
    if (prepared || res.headersSent) return;
    prepared = true;
    replacement = prepare();
    if (replacement === undefined) return;
    // The app's body, its type and its validators no longer describe the answer.
    for (const name of ['content-length', 'content-type', 'content-encoding', 'etag', 'last-modified', 'transfer-encoding']) res.removeHeader(name);
    res.statusCode = replacement.status;
    for (const [name, value] of Object.entries(replacement.headers)) res.setHeader(name, value);
    res.setHeader('content-length', Buffer.byteLength(replacement.body));
  };
  // The response's own methods, called with `this` set to it below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { writeHead, write, end } = res;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    run();
    // The app's status and header arguments give way to the replacement.
    return replacement === undefined ? (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args) : writeHead.call(this, replacement.status);
  };
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    run();
    if (replacement !== undefined) return true; // the app's body is not sent
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    run();
    if (replacement === undefined) return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    return end.call(this, replacement.body, 'utf8', callback);
  } as ServerResponse['end'];
}
