/**
 * createMemcg: a tree plus its interface-file registry with memcg's own files
 * registered, the usual starting point (TanStack-style factory: no module-level
 * singleton, every caller builds its own).
 */
import { InterfaceFiles } from './interfaceFiles.js';
import type { MemcgTreeOptions } from './memcgTree.js';
import { MemcgTree } from './memcgTree.js';
import { registerMemoryFiles } from './memoryFiles.js';

export interface Memcg {
  readonly tree: MemcgTree;
  readonly files: InterfaceFiles;
}

export function createMemcg(options: MemcgTreeOptions = {}): Memcg {
  const tree = new MemcgTree(options);
  const files = new InterfaceFiles(tree);
  registerMemoryFiles(files);
  return { tree, files };
}
