/**
 * `tierswap study <name>`: apps/bench's studies by name, mounted from apps/bench
 * (addStudyCommands), so `tierswap study fairness --children 4` and apps/bench's own
 * `fairness --children 4` are one implementation with one set of options. Each prints its
 * written conclusion (Markdown) or, with --json, its data; it writes a report directory
 * (JSON + schema, summary, charts, HTML index; --report DIR to choose it, --no-report for
 * none); --quick finishes in seconds; `all` runs every study into one report.
 */

import { addStudyCommands, STUDY_NAMES, studyUsageLines } from '@tierswap/bench';
import type { Command } from 'commander';
import type { Terminal } from './terminal.js';

export function registerStudy(program: Command, term: Terminal): void {
  const study = program
    .command('study')
    .description(`Run one of the studies by name: ${STUDY_NAMES.join(', ')}, or all.`)
    .addHelpText(
      'after',
      `\nEach study's own options (all take --quick, --json, --report DIR, --no-report):\n${studyUsageLines()}`,
    );
  // The studies end their output with a newline; the terminal adds its own.
  const trim = (write: (text: string) => void) => (text: string) => write(text.replace(/\n$/, ''));
  addStudyCommands(study, { out: trim((t) => term.out(t)), err: trim((t) => term.err(t)) });
}
