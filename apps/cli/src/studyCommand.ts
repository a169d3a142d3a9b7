/**
 * `tierswap study <name>`: apps/bench's studies by name, each a subcommand with its own
 * options (so `tierswap study fairness --help` lists them): the age advisor, the
 * interface A/B, fairness, swap metadata, incompressible pages and the package
 * benchmarks gathered. Each prints its written conclusion (Markdown) or, with --json,
 * its data; --report DIR adds it (JSON + schema, summary, charts, HTML index) to a
 * report directory several studies can share; --quick finishes in seconds.
 */

import type { StudyOptions, StudyOutput } from '@tierswap/bench';
import {
  ageAdvisorStudy,
  createReportWriter,
  fairnessStudy,
  incompressibleStudy,
  interfaceABStudy,
  packageBenchmarksStudy,
  swapMetadataStudy,
} from '@tierswap/bench';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { intOption } from './options.js';
import type { Terminal } from './terminal.js';

/** The flags every study takes and the ones only some do (commander's camelCase names). */
interface StudyFlags {
  readonly quick?: boolean;
  readonly json?: boolean;
  readonly report?: string;
  readonly pages?: number;
  readonly seconds?: number;
  readonly every?: number;
  readonly ages?: number[];
  readonly patterns?: ('zipf' | 'phased')[];
  readonly snapshot?: string;
  readonly trace?: string;
  readonly children?: number;
  readonly budgetPages?: number;
  readonly budget?: number;
  readonly age?: number;
  readonly base64Share?: number;
  readonly randomShare?: number;
  readonly dataDir?: string;
}

type Run = (o: StudyOptions, f: StudyFlags) => Promise<StudyOutput<never>>;

function list<T>(parse: (s: string) => T): (value: string) => T[] {
  return (value) => value.split(',').map((s) => parse(s.trim()));
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError(`"${value}" is not a share in 0..1.`);
  }
  return n;
}

function pattern(value: string): 'zipf' | 'phased' {
  if (value !== 'zipf' && value !== 'phased') {
    throw new InvalidArgumentError(`"${value}" is not a pattern (zipf, phased).`);
  }
  return value;
}

/** Only the flags given: a study's own defaults apply to the rest. */
function given<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

interface StudyDef {
  readonly name: string;
  readonly description: string;
  readonly options: readonly (readonly [string, string, ((v: string) => unknown)?])[];
  readonly run: Run;
}

const PAGES = [
  '--pages <n>',
  'pages of the job (each study has its default)',
  intOption(16, 1 << 22),
] as const;
const SECONDS = ['--seconds <n>', 'virtual seconds per run', intOption(10, 86_400 * 7)] as const;
const EVERY = [
  '--every <n>',
  'virtual seconds between writeback requests',
  intOption(1, 86_400),
] as const;

const STUDIES: readonly StudyDef[] = [
  {
    name: 'age-advisor',
    description:
      'Sweep the proactive-writeback age on real pages: memory saved against refaults per minute, with Google’s 0.2%/min mark.',
    options: [
      PAGES,
      SECONDS,
      EVERY,
      ['--ages <list>', 'ages to try, seconds, comma-separated', list(intOption(1, 86_400 * 7))],
      ['--patterns <list>', 'access patterns: zipf, phased', list(pattern)],
      ['--snapshot <file>', "a snapshot's pages instead of the node binary's"],
      ['--trace <file>', 'replay a recorded trace instead of the synthetic patterns'],
    ],
    run: (o, f) =>
      ageAdvisorStudy({
        ...o,
        ...given({
          pages: f.pages,
          durationSeconds: f.seconds,
          everySeconds: f.every,
          ages: f.ages,
          patterns: f.patterns,
          snapshot: f.snapshot,
          trace: f.trace,
        }),
      }) as Promise<StudyOutput<never>>,
  },
  {
    name: 'interface-ab',
    description:
      'The same workload and budget through v1 `max=<bytes> <age>`, v2 `zswap_writeback_only` and v5 `source=zswap`.',
    options: [
      PAGES,
      SECONDS,
      EVERY,
      ['--budget <bytes>', 'bytes per write (default 2% of the job)', intOption(4096, 2 ** 40)],
      ['--age <n>', "v1's age, seconds", intOption(0, 86_400 * 7)],
    ],
    run: (o, f) =>
      interfaceABStudy({
        ...o,
        ...given({
          pages: f.pages,
          durationSeconds: f.seconds,
          everySeconds: f.every,
          budgetBytes: f.budget,
          ageSeconds: f.age,
        }),
      }) as Promise<StudyOutput<never>>,
  },
  {
    name: 'fairness',
    description:
      'Repeated small-budget writeback over a subtree, with the per-memcg cursor and without it: pages written back per child.',
    options: [
      PAGES,
      SECONDS,
      EVERY,
      ['--children <n>', 'children of the parent', intOption(2, 64)],
      ['--budget-pages <n>', 'pages per writeback request', intOption(1, 1 << 20)],
    ],
    run: (o, f) =>
      fairnessStudy({
        ...o,
        ...given({
          pages: f.pages,
          durationSeconds: f.seconds,
          everySeconds: f.every,
          children: f.children,
          budgetPages: f.budgetPages,
        }),
      }) as Promise<StudyOutput<never>>,
  },
  {
    name: 'swap-metadata',
    description:
      'Bytes of swap metadata per swapped page: classic with a ghost swapfile, vswap, the swap-table edition, and the stack’s own.',
    options: [PAGES, SECONDS],
    run: (o, f) =>
      swapMetadataStudy({
        ...o,
        ...given({ pages: f.pages, durationSeconds: f.seconds }),
      }) as Promise<StudyOutput<never>>,
  },
  {
    name: 'incompressible',
    description:
      'Incompressible pages: reject, store raw, or store raw and retry later: memory, CPU, refaults.',
    options: [
      PAGES,
      SECONDS,
      ['--base64-share <x>', "share of the job's pages that are base64 text", share],
      ['--random-share <x>', "share of the job's pages that are random bytes", share],
    ],
    run: (o, f) =>
      incompressibleStudy({
        ...o,
        ...given({
          pages: f.pages,
          durationSeconds: f.seconds,
          base64Share: f.base64Share,
          randomShare: f.randomShare,
        }),
      }) as Promise<StudyOutput<never>>,
  },
  {
    name: 'package-benchmarks',
    description:
      'The packages’ benchmark records (allocator, vswap bytes per entry, tier I/O) gathered into the report.',
    options: [['--data-dir <dir>', "the records' directory (default docs/benchmarks/data)"]],
    run: (o, f) =>
      packageBenchmarksStudy({ ...o, ...given({ dataDir: f.dataDir }) }) as Promise<
        StudyOutput<never>
      >,
  },
];

/** The study names `tierswap study` knows. */
export const STUDY_NAMES: readonly string[] = STUDIES.map((s) => s.name);

async function runStudy(term: Terminal, def: StudyDef, f: StudyFlags): Promise<void> {
  const writer = f.report === undefined ? undefined : createReportWriter(f.report);
  const bar = term.progress(def.name, 1);
  let out: StudyOutput<never>;
  try {
    out = await def.run(
      {
        quick: f.quick === true,
        ...(writer === undefined ? {} : { report: writer }),
        onProgress: (done, total, what) => bar.update(done / total, what),
      },
      f,
    );
  } finally {
    bar.stop();
  }
  // The summary's chart placeholder means nothing in a terminal: the charts are in the report.
  term.out(
    f.json ? JSON.stringify(out.data, null, 2) : out.summary.replace(/^<!-- charts -->\n*/m, ''),
  );
  if (writer !== undefined) term.err(`report: ${writer.writeIndex()}`);
}

export function registerStudy(program: Command, term: Terminal): void {
  const study = program
    .command('study')
    .description(`Run one of apps/bench's studies by name: ${STUDY_NAMES.join(', ')}.`);
  for (const def of STUDIES) {
    const cmd = study
      .command(def.name)
      .description(def.description)
      .option('--quick', 'small inputs and short runs: done in seconds')
      .option('--json', "print the study's data as JSON instead of its summary")
      .option(
        '--report <dir>',
        'add the study to this report directory (JSON + schema, summary, charts, HTML)',
      );
    for (const [flags, what, parse] of def.options) {
      if (parse) cmd.option(flags, what, parse);
      else cmd.option(flags, what);
    }
    cmd.action(async (f: StudyFlags) => {
      await runStudy(term, def, f);
    });
  }
}
