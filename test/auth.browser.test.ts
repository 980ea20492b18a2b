/**
 * The /auth page in a real browser (Debian's Chromium through playwright-core): sign up,
 * see `_user_id` appear in the decoded session, read articles up to the paywall, log
 * out and see it vanish; every control has a label and is reached with Tab; the page
 * runs under the inspector's strict CSP with no console error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { MemoryStore } from 'signet-session';
import { startLesson, type StartedLesson } from './support/lesson-server.js';

for (const kind of ['cookie', 'memory'] as const) {
  describe(`The /auth page, ${kind} sessions`, () => {
    let lesson: StartedLesson;
    let browser: Browser;
    let base = '';
    before(async () => {
      lesson = await startLesson(kind === 'memory' ? { store: new MemoryStore() } : {});
      base = lesson.base;
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    });
    after(async () => {
      await browser.close();
      await lesson.close();
    });

    it('signs up, shows _user_id in the decoded session, hits the paywall, lists the sessions, and logs out', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      // A 401 from /check_session is an answer the page expects (Chromium logs it as a failed load); anything else is a fault.
      page.on('console', (message) => { if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of 40')) errors.push(message.text()); });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${base}/auth`);
      await page.getByText('Not logged in.').waitFor();
      await page.getByLabel('Username').first().fill('ada');
      await page.getByLabel('Password (8 to 128 characters)').fill('correct horse');
      await page.getByLabel('Password again').fill('correct horse');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByText('Logged in as ada (user 1).').waitFor();
      if (kind === 'cookie') await page.locator('#decoded', { hasText: "'_user_id': '1'" }).waitFor();
      else assert.match(await page.locator('#decoded').textContent() ?? '', /reference/);
      for (let view = 1; view <= 3; view++) {
        await page.getByRole('button', { name: 'Read "What a cookie is"' }).click();
        await page.locator('#article', { hasText: 'What a cookie is: A cookie is' }).waitFor();
        await page.locator('#article').evaluate('(element) => { element.textContent = ""; }');
      }
      await page.getByRole('button', { name: 'Read "What a cookie is"' }).click();
      await page.locator('#article', { hasText: '401: Maximum pageview limit reached' }).waitFor();
      await page.locator('#sessions li', { hasText: 'this browser' }).waitFor();
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.getByText('Not logged in.').waitFor();
      if (kind === 'cookie') assert.doesNotMatch(await page.locator('#decoded').textContent() ?? '', /_user_id/);
      assert.deepEqual(errors, []);
      await page.close();
    });

    it('labels every control and reaches each with Tab', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/auth`);
      await page.getByText('Not logged in.').waitFor();
      const unlabelled = await page.evaluate('[...document.querySelectorAll("input")].filter((input) => !document.querySelector(`label[for="${input.id}"]`)).length');
      assert.equal(unlabelled, 0);
      const controls = await page.evaluate<number>('document.querySelectorAll("input, button").length');
      const reached = new Set<string>();
      for (let i = 0; i < controls + 2; i++) {
        await page.keyboard.press('Tab');
        reached.add(await page.evaluate<string>('document.activeElement ? (document.activeElement.id || document.activeElement.textContent) : ""'));
      }
      for (const id of ['signup-username', 'signup-password', 'signup-confirmation', 'login-username', 'login-password', 'logout', 'logout-all', 'clear']) assert.ok(reached.has(id), `${id} is reached with Tab`);
      await page.close();
    });
  });
}
