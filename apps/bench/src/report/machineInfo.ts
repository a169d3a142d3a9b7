/**
 * machineInfo: what a report's header says about where it ran: the CPU model, cores,
 * RAM, kernel, Node, and the version of every compression binding a study can use (our
 * liblz4 / libzstd addons, lz4-napi, @mongodb-js/zstd), each asked of the library
 * itself through @tierswap/compress. A binding that does not load is listed with the
 * reason instead of failing the report: a header must never stop a study.
 */

import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { createCodec, createZstdBatchCodec } from '@tierswap/compress';
import { z } from 'zod';

export const bindingVersionSchema = z.object({
  /** What the binding is to a reader: `lz4 (our addon)`, `lz4-napi`... */
  role: z.string(),
  /** The library's own name (`liblz4`, `libzstd`, `lz4-napi`, `@mongodb-js/zstd`). */
  library: z.string(),
  /** Its version, or `unavailable: <why>`. */
  version: z.string(),
});

export const machineInfoSchema = z.object({
  cpu: z.string(),
  cores: z.number().int().positive(),
  memoryGiB: z.number().positive(),
  kernel: z.string(),
  node: z.string(),
  bindings: z.array(bindingVersionSchema),
  date: z.string(),
});

export type BindingVersion = z.infer<typeof bindingVersionSchema>;
export type MachineInfo = z.infer<typeof machineInfoSchema>;

function binding(
  role: string,
  library: string,
  load: () => { name: string; version: string },
): BindingVersion {
  try {
    const info = load();
    return { role, library: info.name, version: info.version };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { role, library, version: `unavailable: ${why}` };
  }
}

/** The kernel release and, where /proc says it, the distribution's build string. */
function kernelName(): string {
  try {
    const v = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    return `Linux ${v}`;
  } catch {
    return release();
  }
}

/** The machine, Node and the bindings' library versions, read now. */
export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: kernelName(),
    node: process.version,
    bindings: [
      binding('lz4 (our addon)', 'liblz4', () => createCodec('lz4').binding),
      binding('zstd (our addon)', 'libzstd', () => createCodec('zstd').binding),
      binding(
        'lz4 via lz4-napi',
        'lz4-napi',
        () => createCodec('lz4', { lz4Library: 'lz4-napi' }).binding,
      ),
      binding(
        'zstd via @mongodb-js/zstd',
        '@mongodb-js/zstd',
        () => createZstdBatchCodec().binding,
      ),
    ],
    date: new Date().toISOString(),
  };
}
