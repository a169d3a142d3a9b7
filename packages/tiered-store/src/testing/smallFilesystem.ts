/**
 * A real, small filesystem for the fault tests: a tmpfs of a chosen size mounted on a
 * fresh temporary directory (mount(8) needs root; the tests that use it say so and are
 * skipped otherwise), so that ENOSPC, EROFS and friends come from the kernel, not a mock.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when this process may mount a tmpfs. */
export const canMount: boolean = process.getuid?.() === 0;

export interface SmallFilesystem {
  readonly dir: string;
  unmount(): void;
}

/** Mounts a tmpfs of `bytes` (rounded up to pages by the kernel); `readOnly` mounts it ro. */
export function mountTmpfs(bytes: number, readOnly = false): SmallFilesystem {
  const dir = mkdtempSync(join(tmpdir(), 'tierswap-tmpfs-'));
  const opts = `size=${bytes},mode=0700${readOnly ? ',ro' : ''}`;
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir]);
      rmdirSync(dir);
    },
  };
}
