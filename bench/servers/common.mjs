// What every peer server answers on GET /sessions/hello, the lesson's shape:
// the session filled with hello/goodnight, the request cookies echoed, mouse=Cookie set.
export const PORT = Number(process.env.PORT ?? 5600);
export const SECRET = 'a benchmark secret of more than thirty-two characters!';
/** signet's key (signet.mjs, signet-counter.mjs, and the harness that mints their cookies): the lesson's own, Flask's test/oracle key. */
export const SIGNET_SECRET_KEY = 'hex:3f77855a0851bd4fb8a9b6354b6aa95f';

/** The session of user n in the many-users workloads: an id and a short list beside the lesson's two keys. */
export function userSession(n) {
  return { user_id: n, cart: ['a', 'b'], hello: 'World', goodnight: 'Moon' };
}

/** The answer of GET /count, the writes workload's page-view counter. */
export function counterBody(visits) {
  return JSON.stringify({ visits });
}

export function parseCookies(header) {
  const list = [];
  const seen = new Set();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    list.push({ [name]: part.slice(eq + 1).trim() });
  }
  return list;
}

export function lessonBody(key, value, cookies) {
  return JSON.stringify({ cookies, session: { session_accessed: true, session_key: key, session_value: value } }, null, 2) + '\n';
}
