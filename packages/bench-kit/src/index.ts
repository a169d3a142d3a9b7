export { entropyPage, filePages, heapSnapshotPages, NODE_BINARY, textPages } from './corpus.js';
export { median } from './median.js';
export { markdownBlock, runExample, runReadmeExample } from './readmeExample.js';
export { rng } from './rng.js';
