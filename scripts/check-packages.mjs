// Checks every public package as its users will consume it, after `pnpm build`: packs it
// the way pnpm publishes it, then runs publint (--strict: warnings fail too) and
// Are the Types Wrong? on that tarball. attw runs with the esm-only profile because the
// packages are ES modules only, by design (`"type": "module"`, Node >= 20): a CommonJS
// `require()` of them is not supported, so its resolution modes are not checked. The
// packages ship their own types, so no @types package is looked up (the check runs offline).
// It also reads the tarball's file list: a package that builds an addon at install must
// ship what the build needs (binding.gyp and its sources), and test files should not
// ship (npm packs every file named README*, so a `src/readme.test.ts` slips past
// `"!src/**/*.test.ts"` unless "files" lists `src/**/*.ts`).
// Exits non-zero if any package fails a check, printing each problem.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPackages, publicPackages, ROOT, run } from './lib/workspace.mjs';

const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
const dest = mkdtempSync(join(tmpdir(), 'tierswap-check-'));
const failures = [];
try {
  const packages = publicPackages();
  const tarballs = packPackages(packages, dest);
  for (const pkg of packages) {
    const { tarball, files } = tarballs.get(pkg.name);
    const publint = run(bin('publint'), ['run', tarball, '--strict'], { cwd: ROOT });
    const attw = run(
      bin('attw'),
      [
        tarball,
        '--profile',
        'esm-only',
        '--no-definitely-typed',
        '--format',
        'ascii',
        '--no-color',
        '--no-emoji',
      ],
      { cwd: ROOT },
    );
    const problems = [];
    if (pkg.manifest.gypfile || existsSync(join(pkg.dir, 'binding.gyp'))) {
      if (!files.includes('binding.gyp'))
        problems.push('builds an addon but does not ship binding.gyp');
      const sources = files.filter((f) => /\.(c|cc|cpp|h)$/.test(f));
      if (sources.length === 0) problems.push('builds an addon but ships no C/C++ sources');
    }
    const tests = files.filter((f) => /\.test\.[cm]?[jt]s$/.test(f));
    if (tests.length) {
      problems.push(
        `ships test files: ${tests.join(', ')} (with "files": ["dist", "src/**/*.ts", "!src/**/*.test.ts"] it would not)`,
      );
    }
    if (!publint.ok) problems.push(`publint --strict:\n${publint.output}`);
    if (!attw.ok) problems.push(`attw:\n${attw.output}`);
    if (problems.length) {
      failures.push(`${pkg.name}\n${problems.join('\n')}`);
      console.log(`✗ ${pkg.name}`);
    } else {
      console.log(`✓ ${pkg.name}: publint --strict, attw (esm-only)`);
    }
  }
} catch (e) {
  failures.push(`pnpm pack failed: ${e.stderr ?? e}`);
} finally {
  rmSync(dest, { recursive: true, force: true });
}
if (failures.length) {
  console.log(`\ncheck-packages: ${failures.length} package(s) failed\n`);
  for (const f of failures) console.log(`--- ${f}\n`);
  process.exit(1);
}
