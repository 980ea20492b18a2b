/**
 * The two session timeouts, judged from times carried inside the cookie (never only
 * from the browser's Expires, which a client can ignore): an absolute one from the
 * session's start, and an idle one from the cookie's last issue.
 */
import { SignatureExpired } from './errors.js';

export interface TimeoutLimits {
  /** Seconds a session may go unused. */
  readonly idleTimeout?: number;
  /** Seconds a session may last from its start, however active. */
  readonly absoluteTimeout?: number;
}

/** The verdict for a session begun at `createdAt` and last issued at `issuedAt` (Unix seconds), or undefined. */
export function checkTimeouts(now: number, createdAt: number, issuedAt: number, limits: TimeoutLimits): SignatureExpired | undefined {
  const { absoluteTimeout, idleTimeout } = limits;
  if (absoluteTimeout !== undefined && now - createdAt > absoluteTimeout) {
    return new SignatureExpired(`Session began ${now - createdAt} seconds ago, over the absolute timeout of ${absoluteTimeout}`, 'absolute-timeout', undefined, issuedAt);
  }
  if (idleTimeout !== undefined && now - issuedAt > idleTimeout) {
    return new SignatureExpired(`Session unused for ${now - issuedAt} seconds, over the idle timeout of ${idleTimeout}`, 'idle-timeout', undefined, issuedAt);
  }
  return undefined;
}
