import { defineConfig } from 'vitest/config';

// One vitest project per package; each package's own vitest.config.ts names it.
// Under CI the JSON report is written too: .ci/run counts passes and failures from it.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/out/vitest.json' },
  },
});
