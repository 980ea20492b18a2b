// What every peer server answers on GET /sessions/hello, the lesson's shape:
// the session filled with hello/goodnight, the request cookies echoed, mouse=Cookie set.
export const PORT = Number(process.env.PORT ?? 5600);
export const SECRET = 'a benchmark secret of more than thirty-two characters!';

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
