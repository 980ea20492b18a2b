/**
 * TRUST_PROXY read as Fastify reads its `trustProxy`, for the frameworks that read it
 * otherwise or not at all: whom to believe about the client's address (the decoder's
 * rate limit) and about HTTPS (`SESSION_COOKIE_SECURE=auto`). The same proxy-addr
 * package decides, as in Fastify and Express.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { TrustProxy } from './config.js';

/** Whether to believe the proxy at `address` (`hop` 0 is the one the socket comes from). */
export type Trust = (address: string, hop: number) => boolean;

const NOBODY: Trust = () => false;
const EVERYBODY: Trust = () => true;

export function compileTrust(trustProxy: TrustProxy | undefined): Trust {
  if (trustProxy === undefined || trustProxy === false) return NOBODY;
  if (trustProxy === true) return EVERYBODY;
  return proxyAddr.compile([...trustProxy]);
}

/** The client's address: the socket's, or the nearest untrusted one in X-Forwarded-For. */
export function clientAddress(request: IncomingMessage, trust: Trust): string {
  return trust === NOBODY ? (request.socket.remoteAddress ?? '') : proxyAddr(request, trust);
}

/**
 * `http` or `https`: the last X-Forwarded-Proto from a trusted proxy (Fastify's reading:
 * Express reads the first), else the socket's.
 */
export function requestProtocol(request: IncomingMessage, trust: Trust): string {
  const header = request.headers['x-forwarded-proto'];
  const forwarded = Array.isArray(header) ? header.join(', ') : header;
  const socket = request.socket as IncomingMessage['socket'] & { encrypted?: boolean };
  if (forwarded !== undefined && forwarded !== '' && trust !== NOBODY && trust(socket.remoteAddress ?? '', 0)) {
    const last = forwarded.lastIndexOf(',');
    return (last < 0 ? forwarded : forwarded.slice(last + 1)).trim();
  }
  return socket.encrypted === true ? 'https' : 'http';
}
