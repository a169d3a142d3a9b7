export type {
  BenchCell,
  BenchGoal,
  BenchRecord,
  BenchRecordInput,
  BenchTable,
} from './benchRecord.js';
export { saveBenchRecord } from './benchRecord.js';
export {
  entropyPage,
  filePages,
  heapSnapshotPages,
  NODE_BINARY,
  procSelfPages,
  textPages,
} from './corpus.js';
export {
  EDGE_NUMBERS,
  HOSTILE_NON_NUMBERS,
  HOSTILE_NUMBERS,
  HOSTILE_VALUES,
  type HostileValueOptions,
  hostileBuffers,
  hostileValue,
} from './hostileValues.js';
export { type ZramMmStat, zramFill, zramUnavailable } from './kernelZram.js';
export { type Native, nativeCli } from './nativeCli.js';
export { markdownBlock, runExample, runReadmeExample } from './readmeExample.js';
export { rng } from './rng.js';
export { best, median } from './samples.js';
