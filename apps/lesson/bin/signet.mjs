#!/usr/bin/env node
// The `signet` command. A file of its own, in the source tree, so that `npm ci` links it
// (npm links a bin only if its file exists at install time, before `prepare` builds dist/).
import process from 'node:process';
import { run } from '../dist/src/cli.js';

const code = await run(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
