/** tierswap: the command's programmatic entry (its commands, for tests and embedding). */

export type { CliErrorCode } from './cliError.js';
export { CLI_ERROR_CODES, CliError } from './cliError.js';
export type { DemoOptions } from './demoCommand.js';
export { runDemo } from './demoCommand.js';
export type { DemoReport } from './demoReport.js';
export { cliVersion, createProgram, runCli } from './program.js';
export type { OutStream, Terminal, TerminalOptions } from './terminal.js';
export { createTerminal } from './terminal.js';
