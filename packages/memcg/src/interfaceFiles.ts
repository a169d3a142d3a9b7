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
 * - a refused write comes back as a MemcgError naming the file, the group and the
 *   text written, e.g. `memory.max.write: /a "12Q": EINVAL (-22): ...`, and is
 *   counted by errno. A writer must validate everything before it changes anything,
 *   so a refused write changes nothing (the registry cannot undo a writer's work).
 */
import type { Errno, Refusal } from './memcgError.js';
import { isRefusal, MemcgError } from './memcgError.js';
import type { MemcgTree } from './memcgTree.js';
import type { GroupId } from './types.js';
import { ROOT_GROUP } from './types.js';

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

export class InterfaceFiles {
  readonly tree: MemcgTree;
  /** Refused writes by errno name. */
  readonly refusals: Partial<Record<Errno, number>> = {};
  private readonly files = new Map<string, InterfaceFile>();

  constructor(tree: MemcgTree) {
    this.tree = tree;
  }

  /** Registers a file; programmer error if the name is taken or the file has neither side. */
  define(name: string, file: InterfaceFile): void {
    if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(name)) {
      throw new MemcgError(
        'BAD_ARGUMENT',
        'files.define',
        `"${name}" is not a controller file name`,
      );
    }
    if (this.files.has(name))
      throw new MemcgError('DUPLICATE', 'files.define', `"${name}" is already defined`);
    if (file.read === undefined && file.write === undefined) {
      throw new MemcgError(
        'BAD_ARGUMENT',
        'files.define',
        `"${name}" has neither a reader nor a writer`,
      );
    }
    this.files.set(name, file);
  }

  /** Replaces a file's handlers (a higher layer taking over a file memcg only stores). */
  override(name: string, file: InterfaceFile): void {
    if (!this.files.has(name))
      throw new MemcgError('BAD_ARGUMENT', 'files.override', `"${name}" is not defined`);
    this.files.delete(name);
    this.define(name, file);
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  /** The files that exist on a group, sorted (what `ls` in the cgroup directory shows). */
  list(group: GroupId): string[] {
    if (!this.tree.isOnline(group)) return [];
    return [...this.files.entries()]
      .filter(([, f]) => this.existsOn(f, group))
      .map(([n]) => n)
      .sort();
  }

  /** Reads a file; throws MemcgError ENOENT/EACCES when it does not exist or is write-only. */
  read(group: GroupId, name: string): string {
    const file = this.resolveFile(group, name, 'read');
    if (file.read === undefined) {
      throw new MemcgError('EACCES', `${name}.read`, `${name} is write-only`);
    }
    return file.read(group);
  }

  /** Writes a file; returns undefined on success or the MemcgError (nothing changed). */
  write(group: GroupId, name: string, text: string): MemcgError | undefined {
    let file: InterfaceFile;
    try {
      file = this.resolveFile(group, name, 'write');
    } catch (e) {
      if (e instanceof MemcgError && e.errno !== 0) return this.count(e);
      throw e;
    }
    if (file.write === undefined) {
      return this.count(new MemcgError('EACCES', `${name}.write`, `${name} is read-only`));
    }
    const result = file.write(group, text);
    if (result === undefined) return undefined;
    if (!isRefusal(result)) {
      throw new MemcgError(
        'BAD_ARGUMENT',
        `${name}.write`,
        'writer returned something that is not a Refusal',
      );
    }
    const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
    return this.count(
      new MemcgError(
        result.errno,
        `${name}.write`,
        `${this.tree.pathOf(group)} ${shown}: ${result.reason}`,
      ),
    );
  }

  /** Convenience for setup code: write or throw the error. */
  writeOrThrow(group: GroupId, name: string, text: string): void {
    const e = this.write(group, name, text);
    if (e !== undefined) throw e;
  }

  private existsOn(f: InterfaceFile, group: GroupId): boolean {
    if (group === ROOT_GROUP) return f.notOnRoot !== true;
    return f.onlyOnRoot !== true;
  }

  private resolveFile(group: GroupId, name: string, op: string): InterfaceFile {
    const file = this.files.get(name);
    if (!this.tree.isOnline(group)) {
      throw new MemcgError('ENOENT', `${name}.${op}`, `group ${group} does not exist`);
    }
    if (file === undefined || !this.existsOn(file, group)) {
      throw new MemcgError(
        'ENOENT',
        `${name}.${op}`,
        `${this.tree.pathOf(group)} has no file ${name}`,
      );
    }
    return file;
  }

  private count(e: MemcgError): MemcgError {
    const code = e.code as Errno;
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
    return e;
  }
}
