/**
 * A small entry that runs the shell on this process's standard streams, for the test
 * that spawns a real process (until the tierswap program registers `shell`, this is
 * how a real stdin reaches runShell). Flags: --echo, --stop-on-error, --no-devices.
 */
import { runShell } from '../../src/shell.js';

const flags = new Set(process.argv.slice(2));
process.exitCode = await runShell({
  input: process.stdin,
  output: process.stdout,
  errorOutput: process.stderr,
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  echo: flags.has('--echo'),
  stopOnError: flags.has('--stop-on-error'),
  stackOptions: { defaultDevices: !flags.has('--no-devices') },
});
