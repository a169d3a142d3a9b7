/**
 * @tierswap/workload: real pages (files, live process memory, snapshots, generated),
 * access patterns and traces (synthetic, DAMON, Valgrind Lackey), and scenarios run
 * through the tierswap stack on a virtual clock.
 */

export type { FileSource, FileSourceOptions, SkippedPath } from './fileSource.js';
export { fileSource } from './fileSource.js';
export type {
  GeneratedPageKind,
  GeneratedSource,
  GeneratedSourceOptions,
} from './generatedSource.js';
export { generatedSource } from './generatedSource.js';
export type { ProcessReadStats, ProcessSource, ProcessSourceOptions } from './processSource.js';
export { processSource } from './processSource.js';
export type { RecipeName, RecipeOptions, RecipeResult } from './recipes.js';
export { RECIPE_NAMES, recipeAvailability, runRecipe } from './recipes.js';
export type { SnapshotSource, SnapshotWriteResult } from './snapshotFile.js';
export { readSnapshot, writeSnapshot } from './snapshotFile.js';
export type { Access, AccessPattern, PageSource, Region, SourcePage } from './types.js';
export type { WorkloadErrorCode } from './workloadError.js';
export { WORKLOAD_ERROR_CODES, WorkloadError } from './workloadError.js';
