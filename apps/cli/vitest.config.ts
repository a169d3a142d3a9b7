import { join } from 'node:path';
import { mergeConfig } from 'vitest/config';
import { packageProject } from '../../vitest.shared.ts';

// The tests spawn the built command (dist/main.js), as a user runs it; the global setup
// builds it and its workspace dependencies first through turbo, which replays its cache
// when nothing changed (CI has just run `pnpm build`), so the tests never run a stale dist.
export default mergeConfig(packageProject(import.meta.dirname), {
  test: { globalSetup: [join(import.meta.dirname, 'src/testing/buildCli.ts')] },
});
