import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineProject } from 'vitest/config';

// The per-package vitest project: named after the package, and resolving
// @tierswap/* imports to their TypeScript sources so tests never wait on a build.
export function packageProject(dir: string) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
  const conditions = ['@tierswap/source'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: pkg.name,
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Generous: CI machines are shared, and a test is judged by what it asserts, never by
      // how fast it ran (speed is the benchmarks' job).
      testTimeout: 60_000,
      setupFiles: [join(import.meta.dirname, 'vitest.setup.ts')],
    },
  });
}
