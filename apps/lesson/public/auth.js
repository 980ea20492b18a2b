// The /auth page: signup, login, the paywall and your sessions, over the lessons' JSON
// API, with the session cookie decoded beside (POST /inspect/decode, useMyCookie). No
// build step; every call is same-origin JSON.
const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const response = await fetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

function say(text) {
  $('message').textContent = text;
}

async function refresh() {
  const me = await call('GET', '/check_session');
  $('who').textContent = me.status === 200 ? `Logged in as ${me.json.username} (user ${me.json.id}).` : 'Not logged in.';
  const decoded = await call('POST', '/inspect/decode', { useMyCookie: true });
  $('decoded').textContent = decoded.status === 200 ? (decoded.json.python ?? `${decoded.json.format}: a reference to a server-side session`) : '(no session cookie yet)';
  const sessions = $('sessions');
  sessions.replaceChildren();
  if (me.status === 200) {
    const listed = await call('GET', '/account/sessions');
    for (const entry of listed.json.sessions) {
      const item = document.createElement('li');
      item.textContent = `${entry.current ? 'this browser' : entry.id}: ${entry.user_agent ?? 'a cookie session'}${entry.created_at === null ? '' : `, since ${new Date(entry.created_at * 1000).toLocaleString()}`}`;
      if (!entry.current && entry.id !== null) {
        const end = document.createElement('button');
        end.type = 'button';
        end.textContent = `End session ${entry.id}`;
        end.addEventListener('click', async () => {
          await call('DELETE', `/account/sessions/${entry.id}`);
          await refresh();
        });
        item.append(' ', end);
      }
      sessions.append(item);
    }
  }
}

function form(id, path, fields) {
  $(id).addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(fields.map((name) => [name, $(id).elements[name].value]));
    const answer = await call('POST', path, body);
    say(answer.status < 300 ? `${path}: ${answer.status}` : `${path}: ${answer.status} ${answer.json?.error ?? (answer.json?.errors ?? []).join(' ')}`);
    await refresh();
  });
}

form('signup', '/signup', ['username', 'password', 'password_confirmation']);
form('login', '/login', ['username', 'password']);
$('logout').addEventListener('click', async () => {
  say(`/logout: ${(await call('DELETE', '/logout')).status}`);
  await refresh();
});
$('logout-all').addEventListener('click', async () => {
  say(`/logout_all: ${(await call('POST', '/logout_all', {})).status}`);
  await refresh();
});
$('clear').addEventListener('click', async () => {
  await call('GET', '/clear');
  say('Free views reset.');
  await refresh();
});

const list = await call('GET', '/articles');
for (const article of list.json) {
  const item = document.createElement('li');
  const open = document.createElement('button');
  open.type = 'button';
  open.textContent = `Read "${article.title}"${article.is_member_only ? ' (members)' : ''}`;
  open.addEventListener('click', async () => {
    const answer = await call('GET', `/articles/${article.id}`);
    $('article').textContent = answer.status === 200 ? `${answer.json.title}: ${answer.json.content}` : `${answer.status}: ${answer.json.message ?? answer.json.error}`;
    await refresh();
  });
  item.append(open);
  $('articles').append(item);
}
await refresh();
