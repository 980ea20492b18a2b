/**
 * docs/lessons.md gives what it says: every command of its sh blocks runs, in order, with
 * bash and curl, against a lesson server with cookie sessions, and each answer is checked
 * against the comment beside the command. A comment that starts with a status (`# 401
 * {"message": ...}`) is that status, and the JSON after it is the body. A comment that
 * shows output (`# Set-Cookie: ...`) is what the command prints, with `...` for any
 * text. Any other curl command must answer 2xx, and any other command exit 0.
 *
 * What the test changes in a command: localhost:5555 becomes the test server's port, and
 * the jar file lives in a temporary directory. `npx signet` runs this checkout's command
 * on the server's DATABASE_PATH, never a download. A line with a placeholder (`<id>`) is
 * skipped. DELETE /account/sessions/<id> has its own test in auth.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startLesson, type StartedLesson } from './support/lesson-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/lessons.md'), 'utf8');

interface Step {
  readonly command: string;
  readonly comment: string;
}

/** The doc's sh blocks (indented ones too), as lists of commands with their comments. */
function shBlocks(markdown: string): Step[][] {
  const blocks: Step[][] = [];
  for (const match of markdown.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)) {
    const indent = match[1] ?? '';
    const lines = (match[2] ?? '').split('\n').map((line) => line.slice(indent.length));
    const steps: Step[] = [];
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i] ?? '';
      if (line.trim() === '') continue;
      while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + (lines[++i] ?? '').trim();
      if (line.startsWith('#')) {
        // A line of output shown under the command before it.
        const last = steps.pop();
        assert.ok(last !== undefined, `output before any command: ${line}`);
        steps.push({ command: last.command, comment: line.slice(1).trim() });
        continue;
      }
      const hash = line.indexOf(' # ');
      steps.push(hash < 0 ? { command: line.trim(), comment: '' } : { command: line.slice(0, hash).trim(), comment: line.slice(hash + 3).trim() });
    }
    blocks.push(steps);
  }
  return blocks;
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** `...` for any text, the rest literally: a pattern for a whole line of output. */
function outputPattern(shown: string): RegExp {
  return new RegExp(`^${shown.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}\\s*$`, 'm');
}

describe('docs/lessons.md, run as written', () => {
  let lesson: StartedLesson;
  let dir = '';
  before(async () => {
    lesson = await startLesson();
    dir = mkdtempSync(join(tmpdir(), 'signet-walkthrough-'));
  });
  after(async () => {
    await lesson.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the walkthrough: the paywall, signup and login, authorization, logging out everywhere, the SameSite cookie', () => {
    const commands = shBlocks(DOC).flat().map((step) => step.command);
    for (const path of ['/articles/1', '/clear', '/signup', '/check_session', '/logout', '/login', '/members_only_articles', 'users admin', '/account/sessions', '/logout_all']) {
      assert.ok(commands.some((command) => command.includes(path)), path);
    }
    assert.ok(shBlocks(DOC).length >= 5);
  });

  it('gives what each comment says, command after command, with one jar of cookies', async () => {
    const env = { ...process.env, DATABASE_PATH: lesson.database.path, npm_config_offline: 'true', npm_config_yes: 'false' };
    const assignments: string[] = [];
    let ran = 0;
    for (const step of shBlocks(DOC).flat()) {
      if (/<\w+>/.test(step.command)) continue;
      if (/^[A-Z]+=/.test(step.command)) {
        assignments.push(step.command);
        continue;
      }
      const command = step.command.replaceAll('localhost:5555', `localhost:${lesson.port}`).replaceAll(' jar ', ` ${join(dir, 'jar')} `);
      const status = /^(\d{3})\b\W*(.*)$/.exec(step.comment);
      const isCurl = command.startsWith('curl ');
      const shown = status === null && /^[A-Za-z][\w-]*: /.test(step.comment) ? step.comment : undefined;
      // curl prints the status last, on a line of its own, unless the command shows output.
      const script = [...assignments, isCurl && shown === undefined ? command.replace(/^curl /, `curl -w '\\n%{http_code}' `) : command].join('\n');
      const result = await bash(script, env);
      assert.equal(result.code, 0, `${step.command}: ${result.stderr}`);
      ran++;
      if (shown !== undefined) {
        assert.match(result.stdout, outputPattern(shown), step.command);
        continue;
      }
      if (!isCurl) continue;
      const lines = result.stdout.split('\n');
      const code = Number(lines.pop());
      const body = lines.join('\n');
      if (status === null) {
        assert.ok(code >= 200 && code < 300, `${step.command}: ${code} ${body}`);
        continue;
      }
      assert.equal(code, Number(status[1]), `${step.command}: ${body}`);
      const json = status[2]?.startsWith('{') ? status[2] : undefined;
      if (json !== undefined) assert.deepEqual(JSON.parse(body), JSON.parse(json), step.command);
    }
    assert.ok(ran >= 15, `ran ${ran} commands`);
  });
});
