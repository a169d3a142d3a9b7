// Consumer smoke test of the built packages: import each @tierswap/* package by name,
// without the source condition, exactly as a user of the published package would, and
// check that its entry point and type declarations exist and that it exports something.
// Run after `pnpm build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
let failed = 0;
for (const group of ['packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const pkgPath = join(dir, name, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    const entry = pkg.exports?.['.'];
    if (!entry || pkg.private) continue;
    const problems = [];
    for (const key of ['types', 'default']) {
      if (!existsSync(join(dir, name, entry[key])))
        problems.push(`missing ${key} file ${entry[key]}`);
    }
    try {
      // Resolve from inside the package (self-reference), so the exports map is what decides.
      const file = createRequire(join(dir, name, 'package.json')).resolve(pkg.name);
      if (file.endsWith('.ts')) problems.push(`resolved to a source file ${file}`);
      const mod = await import(pathToFileURL(file).href);
      if (Object.keys(mod).length === 0) problems.push('exports nothing');
    } catch (e) {
      problems.push(`import failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (problems.length) {
      failed++;
      console.log(`✗ ${pkg.name}: ${problems.join('; ')}`);
    } else {
      console.log(`✓ ${pkg.name}`);
    }
  }
}
process.exit(failed ? 1 : 0);
