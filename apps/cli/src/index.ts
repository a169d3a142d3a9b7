/** tierswap: the command's programmatic entry (its commands, for tests and embedding). */

export type { CliErrorCode } from './cliError.js';
export { CLI_ERROR_CODES, CliError } from './cliError.js';
export type { DemoOptions, DemoRun } from './demoCommand.js';
export { runDemo, runDemoScenario } from './demoCommand.js';
export type { DemoScenario, DemoScenarioOptions } from './demoScenario.js';
export { demoScenario } from './demoScenario.js';
export { cliVersion, createProgram, runCli } from './program.js';
export type { ScenarioSummary, ZswapSummary } from './scenarioSummary.js';
export { summarizeScenario } from './scenarioSummary.js';
export type { OutStream, Terminal, TerminalOptions } from './terminal.js';
export { createTerminal } from './terminal.js';
