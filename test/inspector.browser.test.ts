/**
 * The inspector page at `/` in a real browser: Debian's Chromium (/usr/bin/chromium)
 * driven by playwright-core, against the real lesson server started in-process. One
 * page is used throughout, as a person would: call the API, look at and edit the cookies
 * (with the page, and with the DevTools protocol as the Application tab does), decode
 * cookies, move around with the keyboard. Every expected session rendering comes from
 * Python's repr of what the real Flask reads (test/support/flask-tools.ts), and every
 * expected answer from the server itself, asked over plain HTTP.
 *
 * At the end it saves docs/inspector.png, the screenshot the README shows.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page, type Response } from 'playwright-core';
import { buildServer, FRAMEWORK_NAMES, FRAMEWORKS, type LessonServer } from 'signet-lesson/server/app';
import { flaskLoad, flaskRepr, flaskSign, secretSpellings, type FlaskSecret } from './support/flask-tools.js';

// The README's picture is refreshed on request (SIGNET_SCREENSHOT=1 npm test); otherwise the
// screenshot goes to a temporary file, so that a test run changes no tracked file.
const SCREENSHOT = process.env.SIGNET_SCREENSHOT === '1' ? fileURLToPath(new URL('../../docs/inspector.png', import.meta.url)) : join(mkdtempSync(join(tmpdir(), 'signet-shot-')), 'inspector.png');
/** Printable bytes, so that the key's raw form is text that could show up on the page. */
const SERVER_KEY = Buffer.from(`signet-browser-test-key-${randomBytes(12).toString('hex')}`, 'latin1');
const SERVER_SECRET: FlaskSecret = { hex: SERVER_KEY.toString('hex') };
/** Every spelling of the server's key that must never appear. */
const SECRET_FORMS = secretSpellings(SERVER_KEY);
const OTHER_KEY = randomBytes(32);
/** {"goodnight": "Moon", "hello": "World"} as Flask writes the payload (from the README, made by Flask). */
const DEFAULT_PAYLOAD = 'eyJnb29kbmlnaHQiOiJNb29uIiwiaGVsbG8iOiJXb3JsZCJ9';

let app: LessonServer | undefined;
let base = '';
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let cdp: CDPSession;
const serverLog: string[] = [];
const consoleErrors: string[] = [];
const pageErrors: string[] = [];
const failedRequests: string[] = [];
const errorResponses: string[] = [];
const decoderAnswers: string[] = [];
const pending: Promise<void>[] = [];

interface LessonBody {
  readonly session: { readonly session_key: string; readonly session_value: unknown; readonly session_accessed: boolean };
  readonly cookies: readonly Record<string, string>[];
}

interface CdpCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  readonly path: string;
  readonly httpOnly: boolean;
}

/** The server's answer to a plain HTTP GET, outside the browser. */
function get(path: string, cookie?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: cookie === undefined ? {} : { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Clicks (or runs `act`) and waits for the page to show the API's answer. */
async function callFromPage(act: () => Promise<void>, key = 'hello'): Promise<{ response: Response; body: string; setCookies: string[] }> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}/sessions/${key}`), act()]);
  // A locator, not waitForFunction: the page's CSP (rightly) forbids the eval a string predicate needs.
  await page.locator('#response-status').filter({ hasNotText: '(calling...)' }).waitFor();
  const body = (await page.locator('#response-body').textContent()) ?? '';
  const setCookies = await page.locator('#response-cookies li').allTextContents();
  return { response, body, setCookies };
}

const clickCall = (name = 'GET /sessions/hello'): Promise<{ response: Response; body: string; setCookies: string[] }> =>
  callFromPage(() => page.getByRole('button', { name, exact: true }).click(), name.slice('GET /sessions/'.length));

/** Clicks (or runs `act`) and waits for the decoder's verdict. */
async function decodeFromPage(act: () => Promise<void>): Promise<{ verdict: string; facts: Record<string, string>; checks: string[] }> {
  await Promise.all([page.waitForResponse((r) => r.url() === `${base}/inspect/decode`), act()]);
  await page.locator('#decode-result').filter({ hasNotText: 'Decoding...' }).waitFor();
  const verdict = (await page.locator('#decode-result > p').textContent()) ?? '';
  const facts = await page.evaluate<Record<string, string>>(`(() => {
    const out = {};
    for (const dt of document.querySelectorAll('#decode-result dt')) out[dt.textContent] = dt.nextElementSibling.textContent;
    return out;
  })()`);
  const checks = await page.locator('#decode-result li').allTextContents();
  return { verdict, facts, checks };
}

async function pasteAndDecode(cookie: string, secret = ''): Promise<{ verdict: string; facts: Record<string, string>; checks: string[] }> {
  await page.getByLabel('Cookie value (a Flask session cookie)').fill(cookie);
  await page.getByLabel(/^Secret to verify with/).fill(secret);
  return decodeFromPage(() => page.getByRole('button', { name: 'Decode and verify' }).click());
}

async function browserCookies(): Promise<CdpCookie[]> {
  const { cookies } = (await cdp.send('Network.getAllCookies')) as { cookies: CdpCookie[] };
  return cookies;
}

async function browserCookie(name: string): Promise<CdpCookie> {
  const found = (await browserCookies()).filter((c) => c.name === name);
  assert.equal(found.length, 1, `one ${name} cookie in the browser: ${JSON.stringify(found)}`);
  return found[0] as CdpCookie;
}

/** Edits a cookie as the Application tab does: same name, host and path, new value. */
async function setBrowserCookie(name: string, value: string, httpOnly: boolean): Promise<void> {
  const { success } = (await cdp.send('Network.setCookie', { name, value, url: `${base}/`, path: '/', httpOnly })) as { success?: boolean };
  assert.notEqual(success, false, `CDP set ${name}`);
  assert.equal((await browserCookie(name)).value, value);
}

const documentCookie = async (): Promise<string> => await page.evaluate<string>('document.cookie');

function changeChar(text: string, at: number): string {
  return text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

function sessionValueOf(setCookies: readonly string[]): string {
  const header = setCookies.find((c) => c.startsWith('session='));
  assert.ok(header !== undefined, `a session Set-Cookie in ${JSON.stringify(setCookies)}`);
  return header.slice('session='.length, header.indexOf(';'));
}

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

/** A server on `framework`, a fresh browser context and page, and empty records of what they did. */
async function open(framework: (typeof FRAMEWORKS)[number]): Promise<void> {
  for (const list of [serverLog, consoleErrors, pageErrors, failedRequests, errorResponses, decoderAnswers, pending]) list.length = 0;
  app = await buildServer({ framework, secret: SERVER_KEY, log: (line) => serverLog.push(line) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
  assert.ok(browser !== undefined);
  context = await browser.newContext({ viewport: { width: 900, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} at ${message.location().url}`);
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('requestfailed', (req) => failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? '?'}`));
  page.on('response', (response) => {
    if (response.status() >= 400) errorResponses.push(`${String(response.status())} ${response.url()}`);
    if (response.url() === `${base}/inspect/decode`) {
      pending.push(response.text().then((text) => { decoderAnswers.push(text); }, () => undefined));
    }
  });
  cdp = await context.newCDPSession(page);
}

async function shut(): Promise<void> {
  await context?.close();
  await app?.close();
}

for (const framework of FRAMEWORKS) {
  describe(`the inspector page in Chromium, served on ${FRAMEWORK_NAMES[framework]}`, () => {
    before(async () => {
      await open(framework);
    });

    it('loads with no console errors, no failed requests and no error responses', async () => {
      const loaded: string[] = [];
      const onResponse = (response: Response): void => {
        loaded.push(`${String(response.status())} ${new URL(response.url()).pathname}`);
      };
      page.on('response', onResponse);
      const response = await page.goto(`${base}/`, { waitUntil: 'networkidle' });
      page.off('response', onResponse);
      assert.equal(response?.status(), 200);
      assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
      assert.equal(await page.title(), 'signet: cookies and sessions, inspected');
      for (const path of ['/', '/inspector.js', '/inspector.css']) assert.ok(loaded.includes(`200 ${path}`), `${path} loaded: ${loaded.join(', ')}`);
      // The script ran: it filled in the list of visible cookies.
      assert.equal((await page.locator('#visible-cookies li').allTextContents()).join('|'), 'none yet: call the API first');
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(failedRequests, []);
      assert.deepEqual(errorResponses, []);
    });

    it('shows the server\'s exact answer for "GET /sessions/hello" and both Set-Cookie headers it came with', async () => {
      const expected = await get('/sessions/hello');
      const { response, body, setCookies } = await clickCall();
      assert.equal(await page.locator('#response-status').textContent(), '200 OK');
      assert.equal(body, expected.body, 'the page shows the bytes the server gives for the same (first, cookie-less) request');
      const parsed = JSON.parse(body) as LessonBody;
      assert.deepEqual(parsed.cookies, []);
      assert.equal(parsed.session.session_value, 'World');

      // The real headers, as the browser received them, and as the page lists them.
      const realSetCookies = (await response.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
      assert.equal(setCookies.length, 2, JSON.stringify(setCookies));
      assert.deepEqual([...setCookies].sort(), [...realSetCookies].sort());
      assert.ok(setCookies.includes('mouse=Cookie; Path=/'), JSON.stringify(setCookies));
      const sessionHeader = setCookies.find((c) => c.startsWith('session=')) ?? '';
      assert.match(sessionHeader, /^session=[A-Za-z0-9_.-]+; HttpOnly; Path=\/$/);
      assert.equal(flaskRepr(SERVER_SECRET, sessionValueOf(setCookies)), "{'goodnight': 'Moon', 'hello': 'World'}", 'Flask reads the session the server set');
    });

    it('lists mouse among the cookies its script can see, and explains that session is missing because it is HttpOnly', async () => {
      const visible = await page.locator('#visible-cookies li').allTextContents();
      assert.ok(visible.includes('mouse=Cookie'), JSON.stringify(visible));
      assert.ok(!visible.some((c) => c.startsWith('session')), JSON.stringify(visible));
      const note = page.locator('#httponly-note');
      assert.equal(await note.isVisible(), true);
      assert.match((await note.textContent()) ?? '', /session[^]*HttpOnly/);
      const cookies = await documentCookie();
      assert.equal(cookies, 'mouse=Cookie');
      assert.ok(!cookies.includes('session'), 'document.cookie has no session');
    });

    it('sends both cookies back on the next call and shows the same bytes the server gives for that request', async () => {
      const { response, body } = await clickCall('GET /sessions/goodnight');
      const sent = await response.request().headerValue('cookie');
      assert.ok(sent !== null && /(^|; )session=/.test(sent) && /(^|; )mouse=Cookie(;|$)/.test(sent), `the browser sent ${String(sent)}`);
      const expected = await get('/sessions/goodnight', sent);
      assert.equal(body, expected.body);
      const parsed = JSON.parse(body) as LessonBody;
      assert.equal(parsed.session.session_value, 'Moon');
      assert.deepEqual(parsed.cookies.map((c) => Object.keys(c)[0]).sort(), ['mouse', 'session']);
    });

    it('shows both cookies in the DevTools protocol as the Application tab does: session HttpOnly, mouse not', async () => {
      const session = await browserCookie('session');
      const mouse = await browserCookie('mouse');
      assert.equal(session.httpOnly, true);
      assert.equal(mouse.httpOnly, false);
      assert.equal(mouse.value, 'Cookie');
      assert.equal(session.path, '/');
      assert.equal(session.domain, '127.0.0.1');
      assert.equal(flaskRepr(SERVER_SECRET, session.value), "{'goodnight': 'Moon', 'hello': 'World'}");
      // What the page listed from the last answer is what the browser stored.
      assert.equal(sessionValueOf(await page.locator('#response-cookies li').allTextContents()), session.value);
    });

    it('shows an edited mouse cookie in the next answer, which sets it back to Cookie', async () => {
      await setBrowserCookie('mouse', 'Mickey', false);
      const { body } = await clickCall();
      const parsed = JSON.parse(body) as LessonBody;
      assert.ok(parsed.cookies.some((c) => c['mouse'] === 'Mickey'), body);
      assert.equal((await browserCookie('mouse')).value, 'Cookie');
      assert.equal(await documentCookie(), 'mouse=Cookie');
    });

    it('answers a fresh default session, not the edited one, when one character of the session payload is changed', async () => {
      const valid = (await browserCookie('session')).value;
      const [payload = '', ts = '', signature = ''] = valid.split('.');
      const edited = `${changeChar(payload, 10)}.${ts}.${signature}`;
      assert.equal(flaskLoad([{ secret: SERVER_SECRET, cookie: edited }])[0]?.ok, false, 'Flask refuses the edited cookie');
      await setBrowserCookie('session', edited, true);
      const logBefore = serverLog.length;
      const { body, setCookies } = await clickCall();
      const parsed = JSON.parse(body) as LessonBody;
      assert.ok(parsed.cookies.some((c) => c['session'] === edited), 'the browser sent the edited cookie');
      assert.equal(parsed.session.session_value, 'World');
      const fresh = sessionValueOf(setCookies);
      assert.notEqual(fresh, edited);
      assert.equal(fresh.split('.')[0], DEFAULT_PAYLOAD, 'the new cookie holds the default session');
      assert.equal((await browserCookie('session')).value, fresh);
      assert.ok(serverLog.slice(logBefore).some((line) => /GET \/sessions\/hello: ignored the session cookie: signature-mismatch/.test(line)), serverLog.slice(logBefore).join('\n'));
    });

    it('answers a fresh default session for a forged payload ("hello": "Hacker") with the old signature, and the forged one only when validly signed', async () => {
      const valid = (await browserCookie('session')).value;
      const [, ts = '', signature = ''] = valid.split('.');
      const forged = `${Buffer.from('{"goodnight":"Moon","hello":"Hacker"}').toString('base64url')}.${ts}.${signature}`;
      await setBrowserCookie('session', forged, true);
      const { body, setCookies } = await clickCall();
      const parsed = JSON.parse(body) as LessonBody;
      assert.ok(parsed.cookies.some((c) => c['session'] === forged), 'the browser sent the forged cookie');
      assert.equal(parsed.session.session_value, 'World', 'not Hacker');
      assert.equal(sessionValueOf(setCookies).split('.')[0], DEFAULT_PAYLOAD);

      // The control: the same session, signed by Flask with the server's key, is taken as it is.
      const [signed = ''] = flaskSign([{ secret: SERVER_SECRET, tagged: '{"goodnight": "Moon", "hello": "Hacker"}', ts: Math.floor(Date.now() / 1000) }]);
      await setBrowserCookie('session', signed, true);
      const { body: controlBody } = await clickCall();
      assert.equal((JSON.parse(controlBody) as LessonBody).session.session_value, 'Hacker');

      await cdp.send('Network.deleteCookies', { name: 'session', url: `${base}/` });
      const { body: freshBody } = await clickCall();
      assert.equal((JSON.parse(freshBody) as LessonBody).session.session_value, 'World');
    });

    it('changes the next answer with its own "Set mouse" form', async () => {
      await page.getByLabel('New value for mouse').fill('Minnie');
      await page.getByRole('button', { name: 'Set mouse' }).click();
      assert.equal(await documentCookie(), 'mouse=Minnie');
      assert.ok((await page.locator('#visible-cookies li').allTextContents()).includes('mouse=Minnie'));
      assert.equal((await browserCookie('mouse')).value, 'Minnie');
      const { body } = await clickCall();
      assert.ok((JSON.parse(body) as LessonBody).cookies.some((c) => c['mouse'] === 'Minnie'), body);
      assert.equal(await documentCookie(), 'mouse=Cookie');
    });

    it('refuses in the "Set mouse" form a value a cookie cannot hold (its pattern), without a console error', async () => {
      const errorsBefore = consoleErrors.length;
      await page.getByLabel('New value for mouse').fill('bad; path=/x');
      assert.equal(await page.evaluate<boolean>("document.getElementById('mouse-value').validity.patternMismatch"), true, 'the pattern rejects "bad; path=/x"');
      await page.getByRole('button', { name: 'Set mouse' }).click();
      assert.equal(await documentCookie(), 'mouse=Cookie', 'an invalid value is not set');
      assert.equal((await browserCookies()).filter((c) => c.name === 'mouse').length, 1);
      assert.deepEqual(consoleErrors.slice(errorsBefore), []);
    });

    it('verifies a pasted cookie with the server\'s key and shows its payload as Python does', async () => {
      const ts = Math.floor(Date.now() / 1000);
      const [cookie = ''] = flaskSign([{ secret: SERVER_SECRET, tagged: '{"hello": "World", "goodnight": "Moon", "cart": {" t": [1, "a"]}, "id": {" u": "12345678123456781234567812345678"}}', ts }]);
      const { verdict, facts, checks } = await pasteAndDecode(cookie);
      assert.equal(verdict, "Verified with the server's key.");
      assert.equal(facts['Payload (Python)'], flaskRepr(SERVER_SECRET, cookie));
      assert.ok(facts['Signed at']?.includes(String(ts)), facts['Signed at']);
      assert.equal(facts['Signature'], cookie.split('.').at(-1));
      assert.ok(checks.length >= 4 && checks.every((c) => c.startsWith('passed')), JSON.stringify(checks));
    });

    it('names the signature as the failed check for a tampered cookie', async () => {
      const [cookie = ''] = flaskSign([{ secret: SERVER_SECRET, tagged: '{"hello": "World"}', ts: Math.floor(Date.now() / 1000) }]);
      const [payload = '', ts = '', signature = ''] = cookie.split('.');
      const { verdict, checks } = await pasteAndDecode(`${changeChar(payload, 4)}.${ts}.${signature}`);
      assert.match(verdict, /^Not valid \(signature-mismatch\)/);
      assert.match(verdict, /the server's key/);
      const failed = checks.filter((c) => c.startsWith('FAILED'));
      assert.equal(failed.length, 1, JSON.stringify(checks));
      assert.match(failed[0] ?? '', /^FAILED signature:/);
    });

    it('fails on the signature with a wrong typed secret, and verifies with the right typed one', async () => {
      const [cookie = ''] = flaskSign([{ secret: { hex: OTHER_KEY.toString('hex') }, tagged: '{"hello": "Elsewhere"}', ts: Math.floor(Date.now() / 1000) }]);
      const wrong = await pasteAndDecode(cookie, 'not the right secret');
      assert.match(wrong.verdict, /^Not valid \(signature-mismatch\), checked with the secret you typed/);
      assert.ok(wrong.checks.some((c) => c.startsWith('FAILED signature:')), JSON.stringify(wrong.checks));
      assert.equal(wrong.facts['Payload (Python)'], "{'hello': 'Elsewhere'}", 'anyone can read the payload');
      const right = await pasteAndDecode(cookie, `hex:${OTHER_KEY.toString('hex')}`);
      assert.equal(right.verdict, 'Verified with the secret you typed.');
    });

    it('decodes its own HttpOnly session cookie, which its script cannot read, with "Decode my session cookie"', async () => {
      await page.getByLabel(/^Secret to verify with/).fill('');
      const session = await browserCookie('session');
      assert.ok(!(await documentCookie()).includes('session='), 'the page cannot read it');
      const { verdict, facts } = await decodeFromPage(() => page.getByRole('button', { name: 'Decode my session cookie' }).click());
      assert.equal(verdict, "Verified with the server's key.");
      assert.equal(facts['Payload (Python)'], flaskRepr(SERVER_SECRET, session.value));
      assert.equal(facts['Signature'], session.value.split('.').at(-1));
    });

    it('never shows the server\'s secret in the page or in the decoder\'s answers', async () => {
      await Promise.all(pending);
      assert.ok(decoderAnswers.length >= 5, `${String(decoderAnswers.length)} decoder answers seen`);
      const html = await page.content();
      const text = await page.evaluate<string>('document.body.innerText');
      const inputs = await page.evaluate<string>("[...document.querySelectorAll('input, textarea')].map((e) => e.value).join('\\n')");
      for (const form of SECRET_FORMS) {
        assert.ok(!html.includes(form), `the page's HTML holds the key (${form.slice(0, 6)}...)`);
        assert.ok(!text.includes(form), 'the page text holds the key');
        assert.ok(!inputs.includes(form), 'a field holds the key');
        for (const answer of decoderAnswers) assert.ok(!answer.includes(form), 'a decoder answer holds the key');
      }
    });

    it('labels every input and textarea', async () => {
      const fields = await page.evaluate<{ id: string; labelled: boolean; name: string }[]>(`[...document.querySelectorAll('input, textarea, select')].map((e) => ({
        id: e.id,
        labelled: e.labels.length > 0 || e.hasAttribute('aria-label') || e.hasAttribute('aria-labelledby'),
        name: e.labels.length > 0 ? e.labels[0].textContent.trim() : (e.getAttribute('aria-label') || ''),
      }))`);
      assert.ok(fields.length >= 4, JSON.stringify(fields));
      for (const field of fields) {
        assert.ok(field.labelled, `#${field.id} has a label`);
        assert.notEqual(field.name, '', `#${field.id}'s label says something`);
      }
      const unnamedButtons = await page.evaluate<number>("[...document.querySelectorAll('button')].filter((b) => b.textContent.trim() === '' && !b.hasAttribute('aria-label')).length");
      assert.equal(unnamedButtons, 0);
    });

    it('reaches every button and field with the Tab key', async () => {
      const describeActive = `(() => { const e = document.activeElement; return e === null || e === document.body ? '' : e.id !== '' ? '#' + e.id : e.tagName.toLowerCase() + ':' + e.textContent.trim(); })()`;
      const controls = await page.evaluate<string[]>(`[...document.querySelectorAll('button, input, textarea, select, a[href]')]
        .map((e) => e.id !== '' ? '#' + e.id : e.tagName.toLowerCase() + ':' + e.textContent.trim())`);
      assert.ok(controls.length >= 10, JSON.stringify(controls));
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      const reached: string[] = [];
      for (let i = 0; i < controls.length + 5; i++) {
        await page.keyboard.press('Tab');
        reached.push(await page.evaluate<string>(describeActive));
      }
      for (const control of controls) assert.ok(reached.includes(control), `${control} is reached with Tab; the order was ${reached.join(' → ')}`);
    });

    it('activates a button and submits a form from the keyboard', async () => {
      await page.locator('#call-goodnight').focus();
      const { body } = await callFromPage(() => page.keyboard.press('Enter'), 'goodnight');
      assert.equal((JSON.parse(body) as LessonBody).session.session_key, 'goodnight');
      await page.locator('#call-hello').focus();
      const { body: spaced } = await callFromPage(() => page.keyboard.press('Space'), 'hello');
      assert.equal((JSON.parse(spaced) as LessonBody).session.session_key, 'hello');
      await page.getByLabel('Key', { exact: true }).fill('goodnight');
      await page.getByLabel('Key', { exact: true }).focus();
      const { body: submitted } = await callFromPage(() => page.keyboard.press('Enter'), 'goodnight');
      assert.equal((JSON.parse(submitted) as LessonBody).session.session_key, 'goodnight');
    });

    it(`takes a screenshot of the page after a call and a decode${framework === 'fastify' ? ', saved to docs/inspector.png' : ''}`, async () => {
      // The fields as a first-time visitor would have them, whatever the tests before typed.
      await page.getByLabel('Key', { exact: true }).fill('mouse');
      await page.getByLabel('New value for mouse').fill('Mickey');
      await page.getByLabel('Cookie value (a Flask session cookie)').fill('');
      await page.getByLabel(/^Secret to verify with/).fill('');
      await clickCall();
      await decodeFromPage(() => page.getByRole('button', { name: 'Decode my session cookie' }).click());
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      // The README's picture comes from the default framework; the others' only go through the checks.
      const png = framework === 'fastify' ? (await page.screenshot({ path: SCREENSHOT, fullPage: true }), readFileSync(SCREENSHOT)) : await page.screenshot({ fullPage: true });
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.equal(png.readUInt32BE(16), 900, 'the screenshot is 900 pixels wide');
      assert.ok(png.readUInt32BE(20) > 900, 'and shows the full page');
    });

    it('produced no console errors, page errors, failed requests or error responses in the whole session', async () => {
      await Promise.all(pending);
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(failedRequests, []);
      assert.deepEqual(errorResponses, []);
      assert.ok(!serverLog.some((line) => /internal error/.test(line)), serverLog.filter((line) => /internal error/.test(line)).join('\n'));
    });
  });

  describe(`a JSON page of the API in Chromium, served on ${FRAMEWORK_NAMES[framework]}`, () => {
    after(async () => {
      await shut();
    });

    it('opens /sessions/hello with no console error: the /favicon.ico Chromium asks for is answered', async () => {
      assert.ok(browser !== undefined);
      // A context of its own, so that the inspector's session above is left as it was.
      const own = await browser.newContext();
      try {
        const jsonPage = await own.newPage();
        const errors: string[] = [];
        jsonPage.on('console', (message) => {
          if (message.type() === 'error') errors.push(`${message.text()} at ${message.location().url}`);
        });
        const logged = serverLog.length;
        const response = await jsonPage.goto(`${base}/sessions/hello`, { waitUntil: 'networkidle' });
        assert.equal(response?.status(), 200);
        assert.match(response.headers()['content-type'] ?? '', /^application\/json$/);
        assert.equal(response.headers()['x-content-type-options'], 'nosniff');
        assert.equal(((await response.json()) as LessonBody).session.session_value, 'World');
        // Chromium asks for the icon by itself, after the page: wait until the server has answered it.
        for (let waited = 0; !serverLog.slice(logged).some((line) => line.startsWith('GET /favicon.ico ')) && waited < 5000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.match(serverLog.slice(logged).find((line) => line.startsWith('GET /favicon.ico ')) ?? 'never asked', /^GET \/favicon\.ico 200 /);
        await new Promise((resolve) => setTimeout(resolve, 300)); // time for a console message to arrive
        assert.deepEqual(errors, []);
      } finally {
        await own.close();
      }
    });
  });
}
