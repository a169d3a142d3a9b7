// Consumer test: uses the public packages the way someone who installs them from npm does.
// Builds the workspace, packs every public package with `pnpm pack` (workspace ranges
// become versions, `files` decides what ships), installs all the tarballs with npm into
// one empty temporary project (one install, so better-sqlite3 and @tierswap/compress's
// addons are compiled once), then, in that project:
//   1. imports each package by name and checks that it exports something;
//   2. type-checks the first ```ts block of each package's README, and the programs in
//      its examples/ folder, against the installed declarations (tsc, strict, NodeNext:
//      what a TypeScript user compiles);
//   3. runs each of them with node and tsx.
// better-sqlite3 is installed as most of its users get it, from a prebuilt binary: its
// installer (prebuild-install) cannot reach GitHub here, so it is offered the binary the
// workspace install already compiled for this Node, as a local prebuild with the release
// asset's name. That saves compiling SQLite a second time (1-2 min on 2 cores);
// `--build-from-source` skips it, and a version mismatch falls back to compiling.
// @tierswap/compress's addons are always compiled at install, as for every user.
// Prints each failure with its output and exits non-zero if any. `--keep` keeps the
// temporary project for a look afterwards.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PNPM, packPackages, publicPackages, ROOT, run } from './lib/workspace.mjs';

const keep = process.argv.includes('--keep');
const fromSource = process.argv.includes('--build-from-source');
const started = performance.now();
const failures = [];
const seconds = (from) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

/**
 * Packs the workspace's compiled better-sqlite3 as the prebuilt release asset
 * prebuild-install looks for, and returns the environment that points it there.
 */
function localSqlitePrebuild(dir) {
  const fromStore = createRequire(join(ROOT, 'packages', 'tiered-store', 'package.json'));
  const manifest = fromStore.resolve('better-sqlite3/package.json');
  const pkgDir = dirname(manifest);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const binary = join('build', 'Release', 'better_sqlite3.node');
  if (!existsSync(join(pkgDir, binary))) return {};
  const libc =
    process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime
      ? 'musl'
      : '';
  const asset = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(dir, asset), '-C', pkgDir, binary]);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

function phase(title, fn) {
  const t = performance.now();
  const result = fn();
  console.log(`  ${title}: ${seconds(t)}`);
  return result;
}

/** The body of the first block opened with ```ts in `markdown`, or undefined. */
function firstTsBlock(markdown) {
  const open = markdown.search(/^```ts\s*$/m);
  if (open < 0) return undefined;
  const body = markdown.indexOf('\n', open) + 1;
  const close = markdown.indexOf('\n```', body - 1);
  return close < 0 ? undefined : markdown.slice(body, close + 1);
}

const packages = publicPackages();
const project = mkdtempSync(join(tmpdir(), 'tierswap-consumer-'));
const tarballs = join(project, 'tarballs');
mkdirSync(tarballs);
console.log(`consumer test in ${project}`);

try {
  phase('build (turbo)', () =>
    execFileSync(PNPM[0], [...PNPM.slice(1), 'build'], { cwd: ROOT, stdio: 'ignore' }),
  );
  const dependencies = phase('pnpm pack', () => {
    const deps = {};
    for (const [name, { tarball }] of packPackages(packages, tarballs))
      deps[name] = `file:${tarball}`;
    return deps;
  });
  // Every @tierswap/* in the tree, however deep, is the packed tarball, never the registry.
  const overrides = Object.fromEntries(Object.keys(dependencies).map((n) => [n, `$${n}`]));
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'tierswap-consumer', private: true, type: 'module', dependencies, overrides }, null, 2)}\n`,
  );
  const prebuilds = join(project, 'prebuilds');
  mkdirSync(prebuilds);
  const sqliteEnv = fromSource ? {} : localSqlitePrebuild(prebuilds);
  const install = phase("npm install (compiles @tierswap/compress's addons)", () =>
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      // node-gyp must use the installed Node headers; no header download is reachable.
      env: { npm_config_nodedir: '/usr', ...process.env, ...sqliteEnv },
    }),
  );
  if (!install.ok) throw new Error(`npm install of the tarballs failed:\n${install.output}`);

  // 1. Each package imports by name, from the installed tarball, and exports something.
  phase('import each package', () => {
    for (const pkg of packages) {
      const probe = `const m = await import(${JSON.stringify(pkg.name)}); if (Object.keys(m).length === 0) throw new Error('exports nothing');`;
      const r = run(process.execPath, ['--input-type=module', '-e', probe], { cwd: project });
      if (!r.ok) failures.push(`${pkg.name}: import failed\n${r.output}`);
    }
  });

  // The README examples, one file each, and the programs in each package's examples/
  // folder (READMEs point to them for what is too long to inline).
  mkdirSync(join(project, 'examples'));
  const examples = [];
  for (const pkg of packages) {
    const readme = join(pkg.dir, 'README.md');
    const code = existsSync(readme) ? firstTsBlock(readFileSync(readme, 'utf8')) : undefined;
    if (code === undefined) {
      // Every public package's README shows how to use it, in a block users can run.
      failures.push(`${pkg.name}: no README.md with a \`\`\`ts example`);
    } else {
      const file = join('examples', `${basename(pkg.dir)}.ts`);
      writeFileSync(join(project, file), code);
      examples.push({ pkg, file, what: 'README example' });
    }
    const programs = join(pkg.dir, 'examples');
    for (const name of existsSync(programs) ? readdirSync(programs).sort() : []) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const file = join('examples', `${basename(pkg.dir)}-${name}`);
      copyFileSync(join(programs, name), join(project, file));
      examples.push({ pkg, file, what: `examples/${name}` });
    }
  }

  // 2. Type-check the examples against the installed declarations.
  writeFileSync(
    join(project, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        include: ['examples/*.ts'],
      },
      null,
      2,
    )}\n`,
  );
  phase('tsc on the examples', () => {
    const tsc = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')], {
      cwd: project,
    });
    if (!tsc.ok)
      failures.push(`the examples do not type-check as a user compiles them:\n${tsc.output}`);
  });

  // 3. Run them. tsx only strips the types; every import resolves in the project.
  const tsx = import.meta.resolve('tsx');
  phase('run the examples', () => {
    for (const { pkg, file, what } of examples) {
      const r = run(process.execPath, ['--import', tsx, file], { cwd: project });
      if (r.ok) console.log(`  ✓ ${pkg.name}: ${what} ran`);
      else failures.push(`${pkg.name}: ${what} (${file}) failed\n${r.output}`);
    }
  });
} catch (e) {
  failures.push(e instanceof Error ? e.message : String(e));
} finally {
  if (!keep) rmSync(project, { recursive: true, force: true });
}

console.log(`consumer test: ${packages.length} packages in ${seconds(started)}`);
if (failures.length) {
  console.log(`\nconsumer test: ${failures.length} failure(s)\n`);
  for (const f of failures) console.log(`--- ${f}\n`);
  process.exit(1);
}
