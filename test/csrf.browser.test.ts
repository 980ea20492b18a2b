/**
 * CSRF in a real browser (Debian's Chromium through playwright-core): a page on another
 * site (served from localhost, while the lesson server is 127.0.0.1: two sites) submits
 * plain HTML forms to POST /login and /logout_all (403: the browser's own Sec-Fetch-Site
 * and Origin), and tries a DELETE /logout with fetch(), which needs a CORS preflight the
 * server does not grant; the victim stays logged in.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startLesson, type StartedLesson } from './support/lesson-server.js';

describe('Cross-site requests from a real browser', () => {
  let lesson: StartedLesson;
  let attacker: Server;
  let browser: Browser;
  let lessonPort = 0;
  let attackerPort = 0;

  before(async () => {
    lesson = await startLesson();
    lessonPort = lesson.port;
    // The other site: one page per attack, each sending the victim's browser at the lesson server.
    attacker = createServer((req, res) => {
      const target = `http://127.0.0.1:${lessonPort}`;
      const pages: Record<string, string> = {
        '/form-login': `<form method="post" action="${target}/login" enctype="text/plain"><input name='{"username":"ada","password":"correct horse","x":"' value='"}'></form><script>document.forms[0].submit()</script>`,
        '/form-logout-all': `<form method="post" action="${target}/logout_all"><input name="x" value="1"></form><script>document.forms[0].submit()</script>`,
        '/fetch-logout': `<script>fetch("${target}/logout", { method: "DELETE", credentials: "include" }).then(() => { document.title = "answered"; }, () => { document.title = "blocked"; })</script>`,
      };
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(pages[req.url ?? ''] ?? '');
    });
    attacker.listen(0, '127.0.0.1');
    await new Promise((resolve) => attacker.once('listening', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => {
    await browser.close();
    await new Promise((resolve) => attacker.close(resolve));
    await lesson.close();
  });

  it('refuses a cross-site form POST to /login and /logout_all, and a cross-site DELETE /logout never leaves the browser: the victim stays logged in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The victim signs up and is logged in, on the lesson's own site.
    await page.goto(`http://127.0.0.1:${lessonPort}/articles`);
    const signedUp = await page.evaluate(async () => (await fetch('/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ada', password: 'correct horse', password_confirmation: 'correct horse' }) })).status);
    assert.equal(signedUp, 201, 'a same-origin fetch is let through');
    const loggedIn = async (): Promise<number> => page.evaluate(async () => (await fetch('/check_session')).status);
    assert.equal(await loggedIn(), 200);
    const cookie = (await context.cookies()).find((each) => each.name === 'session');
    assert.equal(cookie?.sameSite, 'Lax', 'the logged-in cookie, as the browser keeps it');

    const other = await context.newPage();
    for (const [path, target] of [['/form-login', '/login'], ['/form-logout-all', '/logout_all']] as const) {
      const answer = other.waitForResponse((response) => response.url().endsWith(target));
      await other.goto(`http://localhost:${attackerPort}${path}`);
      const response = await answer;
      assert.equal(response.status(), 403, `${target}: ${await response.text()}`);
      assert.match(await response.text(), /cross-site request refused/);
    }
    // A cross-site DELETE needs a CORS preflight, which the lesson server does not grant:
    // the browser never sends it.
    await other.goto(`http://localhost:${attackerPort}/fetch-logout`);
    await other.waitForFunction('document.title !== ""');
    assert.equal(await other.title(), 'blocked');
    assert.equal(await loggedIn(), 200, 'none of them logged the victim out');
    await context.close();
  });
});
