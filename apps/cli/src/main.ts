#!/usr/bin/env node
/**
 * The tierswap bin: runs the command line and exits with its code (0 ok, 1 failure,
 * 2 usage). Setting process.exitCode instead of calling process.exit lets buffered
 * output reach a pipe before the process ends.
 */

import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
