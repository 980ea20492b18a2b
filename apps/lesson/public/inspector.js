// The inspector page: plain DOM, no framework, no build step. Everything the server
// sends is shown with textContent, never parsed as HTML.
const $ = (id) => document.getElementById(id);

function item(text, code = true) {
  const li = document.createElement('li');
  if (code) {
    const c = document.createElement('code');
    c.textContent = text;
    li.append(c);
  } else {
    li.textContent = text;
  }
  return li;
}

function showVisibleCookies() {
  const list = $('visible-cookies');
  const cookies = document.cookie === '' ? [] : document.cookie.split('; ');
  list.replaceChildren(...(cookies.length === 0 ? [item('none yet: call the API first', false)] : cookies.map((c) => item(c))));
  $('httponly-note').hidden = cookies.some((c) => c.startsWith('session='));
}

async function callApi(key) {
  $('response-status').textContent = '(calling...)';
  try {
    const response = await fetch(`/sessions/${encodeURIComponent(key)}`, { headers: { 'X-Signet-Inspect': '1' } });
    const body = await response.text();
    $('response-status').textContent = `${response.status} ${response.statusText}`;
    $('response-body').textContent = body;
    const repeated = response.headers.get('X-Signet-Set-Cookie');
    const setCookies = repeated === null ? [] : JSON.parse(repeated);
    $('response-cookies').replaceChildren(...(setCookies.length === 0 ? [item('none', false)] : setCookies.map((c) => item(c))));
  } catch (error) {
    $('response-status').textContent = 'failed';
    $('response-body').textContent = String(error);
  }
  showVisibleCookies();
}

function showDecoded(result) {
  const box = $('decode-result');
  if (result.error !== undefined) {
    const p = document.createElement('p');
    p.className = 'fail';
    p.textContent = result.error;
    box.replaceChildren(p);
    return;
  }
  const verdict = document.createElement('p');
  verdict.className = result.verified ? 'ok' : 'fail';
  verdict.textContent = result.verified ? `Verified with ${result.verifiedWith}.` : `Not valid (${result.failure ?? 'not verified'}), checked with ${result.verifiedWith}.`;
  const facts = document.createElement('dl');
  const add = (term, value) => {
    if (value === undefined) return;
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    facts.append(dt, dd);
  };
  add('Format', `${result.format}${result.compressed ? ' (compressed)' : ''}`);
  add('Payload (Python)', result.python ?? result.payloadError);
  const signedAt = result.signedAt === undefined ? undefined : new Date(result.signedAt * 1000);
  add('Signed at', signedAt === undefined ? undefined : `${Number.isNaN(signedAt.getTime()) ? 'later than any date' : signedAt.toISOString()} (${result.signedAt})`);
  add('Signature', result.signature);
  const checks = document.createElement('ul');
  for (const check of result.checks) {
    const li = document.createElement('li');
    const mark = document.createElement('span');
    mark.className = check.ok ? 'ok' : 'fail';
    mark.textContent = check.ok ? 'passed' : 'FAILED';
    li.append(mark, ` ${check.name}: ${check.detail}`);
    checks.append(li);
  }
  box.replaceChildren(verdict, facts, checks);
}

async function decode(body) {
  $('decode-result').textContent = 'Decoding...';
  try {
    const response = await fetch('/inspect/decode', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    showDecoded(await response.json());
  } catch (error) {
    showDecoded({ error: String(error) });
  }
}

function secretField() {
  const secret = $('decode-secret').value;
  return secret === '' ? {} : { secret };
}

document.addEventListener('DOMContentLoaded', () => {
  $('call-hello').addEventListener('click', () => callApi('hello'));
  $('call-goodnight').addEventListener('click', () => callApi('goodnight'));
  $('call-form').addEventListener('submit', (event) => {
    event.preventDefault();
    callApi($('call-key').value);
  });
  $('mouse-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('mouse-value');
    if (!input.checkValidity()) {
      input.reportValidity();
      return;
    }
    document.cookie = `mouse=${input.value}; path=/`;
    showVisibleCookies();
  });
  $('decode-form').addEventListener('submit', (event) => {
    event.preventDefault();
    decode({ cookie: $('decode-cookie').value.trim(), ...secretField() });
  });
  $('decode-mine').addEventListener('click', () => decode({ useMyCookie: true, ...secretField() }));
  showVisibleCookies();
});
