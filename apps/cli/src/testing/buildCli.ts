/**
 * Global setup of the tierswap tests: build the command and the packages it imports
 * (`turbo run build --filter=tierswap...`), so dist/main.js matches the sources. turbo
 * replays its cache for packages whose inputs did not change, so after CI's own
 * `pnpm build` this is a cache hit.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  const r = spawnSync(
    join(root, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', '--filter=tierswap...', '--output-logs=errors-only'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
  );
  if (r.status !== 0) {
    throw new Error(
      `building the tierswap command failed (turbo exit ${r.status}; turbo needs pnpm on PATH, as under \`npx -y pnpm@10.34.9 test\`):\n${r.stdout}\n${r.stderr}`,
    );
  }
}
