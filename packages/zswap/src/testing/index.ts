/**
 * '@tierswap/zswap/testing': helpers for tests and benchmarks of code built on the
 * pool, kept out of the main entry point: a WritebackTarget on a real file, a replaying
 * codec, the pools the package's own tests start from, and the arena for packing
 * experiments.
 */

export { ZS_CHAIN_SIZE, ZsArena, type ZsArenaStats } from '../zsArena.js';
export {
  FileWritebackTarget,
  newBenchPool,
  replayCodec,
  TEST_GROUPS,
  type TestGroups,
  testPool,
} from './fixtures.js';
