/** One request through the engine, as an adapter makes it: ready, the handler, finish. */
import type { BadData, Session, SessionEngine } from 'signet-session';

export interface EngineRequest {
  readonly cookie?: string;
  readonly act?: (session: Session) => void;
}

/** The cookie value after the request (the one it came with when none was set), and the data the handler saw. */
export async function engineRequest(engine: SessionEngine, { cookie, act }: EngineRequest, rejected: string[] = []): Promise<{ cookie: string | undefined; data: Record<string, unknown> }> {
  const handle = engine.begin({ cookieHeader: cookie === undefined ? undefined : `session=${cookie}`, onRejected: (reason: BadData) => rejected.push(reason.reason) });
  const loading = handle.ready();
  if (loading !== undefined) await loading;
  act?.(handle.session);
  const data = handle.session.toDict();
  const outcome = await handle.finish();
  const set = outcome.setCookie[0];
  return { cookie: set === undefined ? cookie : (set.split(';')[0] ?? '').slice('session='.length), data };
}
