/**
 * The node:http side of the lesson for the frameworks that take a plain request
 * listener (Express, and Hono through @hono/node-server): the servers made with the
 * same timeouts Fastify is given, listening as Fastify listens, and the stop.
 */
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Framework, LessonParts, LessonServer } from './app.js';
import { clientErrorHandler, requestLine, SERVER_TIMEOUTS } from './lesson-http.js';

/** Whether the server is stopping: from then on every answer closes its connection. */
export interface StopState {
  closing: boolean;
}

/** The classes node:http makes each request's objects of (createServer's own options). */
export interface RequestClasses {
  readonly IncomingMessage: typeof IncomingMessage;
  readonly ServerResponse: typeof ServerResponse;
}

export function nodeLessonServer(framework: Framework, parts: LessonParts, state: StopState, handler: RequestListener, classes?: RequestClasses): LessonServer {
  // One line per answered request, as Fastify's onResponse hook logs it.
  const listener: RequestListener = parts.logRequests
    ? (request, response) => {
        const started = performance.now();
        const method = request.method ?? '';
        const url = request.url ?? '';
        response.once('finish', () => {
          parts.log(requestLine(method, url, response.statusCode, performance.now() - started));
        });
        handler(request, response);
      }
    : handler;
  const make = (): Server => {
    const options: ServerOptions = {
      headersTimeout: SERVER_TIMEOUTS.headersTimeout,
      requestTimeout: SERVER_TIMEOUTS.requestTimeout,
      connectionsCheckingInterval: SERVER_TIMEOUTS.connectionsCheckingInterval,
      ...classes,
    };
    const server = createServer(options, listener);
    server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
    server.on('clientError', clientErrorHandler);
    return server;
  };
  const primary = make();
  const servers: Server[] = [primary];

  const listenOn = (server: Server, port: number, host: string): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });

  return {
    framework,
    server: primary,
    listen: async ({ port, host }) => {
      await listenOn(primary, port, host);
      if (host !== 'localhost') return;
      // As Fastify does: "localhost" is every loopback address it names (127.0.0.1 and ::1),
      // on the port the first one got; one that cannot be had is skipped.
      const bound = (primary.address() as AddressInfo).address;
      const addresses = await lookup(host, { all: true }).catch(() => []);
      for (const { address } of addresses) {
        if (address === bound) continue;
        const secondary = make();
        try {
          await listenOn(secondary, (primary.address() as AddressInfo).port, address);
          servers.push(secondary);
        } catch {
          // not blocking the main server
        }
      }
    },
    close: async () => {
      state.closing = true;
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve, reject) => {
              if (!server.listening) {
                resolve();
                return;
              }
              server.close((error) => {
                if (error === undefined) resolve();
                else reject(error);
              });
              server.closeIdleConnections();
            }),
        ),
      );
    },
    openConnections: async () => {
      const counts = await Promise.all(
        servers.map(
          (server) =>
            new Promise<number>((resolve) => {
              server.getConnections((error, count) => {
                resolve(error === null ? count : 0);
              });
            }),
        ),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    },
    closeAllConnections: () => {
      for (const server of servers) server.closeAllConnections();
    },
  };
}
