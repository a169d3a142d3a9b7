// Consumer smoke test of the built packages: import each @tierswap/* package by name,
// without the source condition, exactly as a user of the published package would, and
// check that its entry point and type declarations exist and that it exports something.
// Run after `pnpm build`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { publicPackages } from './lib/workspace.mjs';

let failed = 0;
for (const { name, dir, manifest } of publicPackages()) {
  const entry = manifest.exports?.['.'];
  if (!entry) continue; // a program with only a bin has nothing to import
  const problems = [];
  for (const key of ['types', 'default']) {
    if (!existsSync(join(dir, entry[key]))) problems.push(`missing ${key} file ${entry[key]}`);
  }
  try {
    // Resolve from inside the package (self-reference), so the exports map is what decides.
    const file = createRequire(join(dir, 'package.json')).resolve(name);
    if (file.endsWith('.ts')) problems.push(`resolved to a source file ${file}`);
    const mod = await import(pathToFileURL(file).href);
    if (Object.keys(mod).length === 0) problems.push('exports nothing');
  } catch (e) {
    problems.push(`import failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (problems.length) {
    failed++;
    console.log(`✗ ${name}: ${problems.join('; ')}`);
  } else {
    console.log(`✓ ${name}`);
  }
}
process.exit(failed ? 1 : 0);
