/**
 * InterfaceFiles: the registry of per-cgroup interface files (memory.max, ...).
 *
 * Each layer registers the files whose semantics it owns:
 * `files.define('memory.swap.tiers', { read(group), write(group, text) })`. memcg
 * registers the pure-cgroup ones (see memoryFiles.ts); zswap, tiered-store and the
 * stack add theirs. The registry does what cgroupfs does around a handler:
 * - a file flagged `notOnRoot` (CFTYPE_NOT_ON_ROOT) does not exist on the root, and
 *   no file exists on a removed group: ENOENT;
 * - a file without a writer is read-only (EACCES, as the 0444 mode gives), a file
 *   without a reader is write-only (EACCES too);
 * - a write longer than a page (4096 bytes of UTF-8) is E2BIG, as kernfs answers for
 *   cgroup files (their atomic_write_len is PAGE_SIZE);
 * - a refused write comes back as a Refusal (from @tierswap/base) whose reason names
 *   the file, the group and the text written, e.g.
 *   `memory.max.write: /a "12Q": ...`, and is counted by errno. A writer must validate
 *   everything before it changes anything, so a refused write changes nothing (the
 *   registry cannot undo a writer's work).
 */
import type { Errno, Refusal } from '@tierswap/base';
import { isRefusal, refuse } from '@tierswap/base';
import { checkString } from './checks.js';
import { MemcgError } from './memcgError.js';
import { MemcgTree } from './memcgTree.js';
import type { GroupId } from './types.js';
import { PAGE_SIZE, ROOT_GROUP } from './types.js';

export interface InterfaceFile {
  /** Renders the file for a group (the kernel's seq_show). */
  read?: (group: GroupId) => string;
  /** Applies a write; returns a Refusal (or nothing on success). Must not change anything when refusing. */
  write?: (group: GroupId, text: string) => Refusal | undefined;
  /** CFTYPE_NOT_ON_ROOT: the file does not exist on the root group. */
  notOnRoot?: boolean;
  /** ONLY_ON_ROOT-style files (rare for memory; here for completeness). */
  onlyOnRoot?: boolean;
}

/** The longest write a cgroup file takes (kernfs atomic_write_len = PAGE_SIZE). */
export const MAX_WRITE_BYTES = PAGE_SIZE;

function utf8Length(s: string): number {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: short texts need no count.
  return s.length * 3 <= MAX_WRITE_BYTES ? s.length : Buffer.byteLength(s, 'utf8');
}

export class InterfaceFiles {
  readonly tree: MemcgTree;
  /** Refused writes by errno name. */
  readonly refusals: Partial<Record<Errno, number>> = {};
  readonly #files = new Map<string, InterfaceFile>();

  constructor(tree: MemcgTree) {
    if (!(tree instanceof MemcgTree)) {
      throw new MemcgError('INVALID_ARGUMENT', 'files.constructor', 'expected a MemcgTree');
    }
    this.tree = tree;
  }

  /** Registers a file; programmer error if the name is taken or the file has neither side. */
  define(name: string, file: InterfaceFile): void {
    checkString(name, 'files.define', 'name');
    if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(name)) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'files.define',
        `"${name}" is not a controller file name`,
      );
    }
    if (this.#files.has(name))
      throw new MemcgError('DUPLICATE', 'files.define', `"${name}" is already defined`);
    if (typeof file !== 'object' || file === null) {
      throw new MemcgError('INVALID_ARGUMENT', 'files.define', `"${name}": no file object`);
    }
    if (file.read === undefined && file.write === undefined) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        'files.define',
        `"${name}" has neither a reader nor a writer`,
      );
    }
    this.#files.set(name, file);
  }

  /** Replaces a file's handlers (a higher layer taking over a file memcg only stores). */
  override(name: string, file: InterfaceFile): void {
    if (!this.#files.has(name))
      throw new MemcgError('INVALID_ARGUMENT', 'files.override', `"${name}" is not defined`);
    const old = this.#files.get(name)!;
    this.#files.delete(name);
    try {
      this.define(name, file);
    } catch (e) {
      this.#files.set(name, old);
      throw e;
    }
  }

  has(name: string): boolean {
    return this.#files.has(name);
  }

  /** The files that exist on a group, sorted (what `ls` in the cgroup directory shows). */
  list(group: GroupId): string[] {
    if (!this.tree.isOnline(group)) return [];
    return [...this.#files.entries()]
      .filter(([, f]) => this.#existsOn(f, group))
      .map(([n]) => n)
      .sort();
  }

  /** Reads a file; throws MemcgError NO_FILE (ENOENT) / NOT_READABLE (EACCES). */
  read(group: GroupId, name: string): string {
    checkString(name, 'files.read', 'name');
    const file = this.#resolveFile(group, name);
    if (isRefusal(file)) throw new MemcgError('NO_FILE', `${name}.read`, `ENOENT: ${file.reason}`);
    if (file.read === undefined) {
      throw new MemcgError('NOT_READABLE', `${name}.read`, `EACCES: ${name} is write-only`);
    }
    return file.read(group);
  }

  /** Writes a file; returns undefined on success or the Refusal (nothing changed). */
  write(group: GroupId, name: string, text: string): Refusal | undefined {
    checkString(name, 'files.write', 'name');
    checkString(text, 'files.write', 'text');
    const file = this.#resolveFile(group, name);
    if (isRefusal(file)) return this.#count(file);
    if (file.write === undefined) {
      return this.#count(refuse('EACCES', `${name}.write: ${name} is read-only`));
    }
    const bytes = utf8Length(text);
    if (bytes > MAX_WRITE_BYTES) {
      return this.#count(
        refuse('E2BIG', `${name}.write: ${bytes} bytes, more than a page (${MAX_WRITE_BYTES})`),
      );
    }
    const result = file.write(group, text);
    if (result === undefined) return undefined;
    if (!isRefusal(result)) {
      throw new MemcgError(
        'INVALID_ARGUMENT',
        `${name}.write`,
        'writer returned something that is not a Refusal',
      );
    }
    const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
    return this.#count(
      refuse(
        result.errno,
        `${name}.write: ${this.tree.pathOf(group)} ${shown}: ${result.reason}`,
        result.code,
      ),
    );
  }

  /** Convenience for setup code: write or throw MemcgError('REFUSED') with the refusal's errno. */
  writeOrThrow(group: GroupId, name: string, text: string): void {
    const r = this.write(group, name, text);
    if (r !== undefined) {
      throw new MemcgError('REFUSED', `${name}.write`, `${r.errno}: ${r.reason}`, {
        errno: r.errno,
      });
    }
  }

  #existsOn(f: InterfaceFile, group: GroupId): boolean {
    if (group === ROOT_GROUP) return f.notOnRoot !== true;
    return f.onlyOnRoot !== true;
  }

  #resolveFile(group: GroupId, name: string): InterfaceFile | Refusal {
    const file = this.#files.get(name);
    if (!this.tree.isOnline(group)) {
      return refuse('ENOENT', `${name}: group ${String(group)} does not exist`);
    }
    if (file === undefined || !this.#existsOn(file, group)) {
      return refuse('ENOENT', `${name}: ${this.tree.pathOf(group)} has no file ${name}`);
    }
    return file;
  }

  #count(r: Refusal): Refusal {
    this.refusals[r.errno] = (this.refusals[r.errno] ?? 0) + 1;
    return r;
  }
}
