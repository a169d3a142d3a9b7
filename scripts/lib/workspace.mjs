// What the package checks share: the list of public packages under packages/* and apps/*
// (every package.json without "private": true) and packing them as pnpm publishes them,
// so `workspace:*` ranges become real versions and `files` decides what ships.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PNPM = ['npx', '-y', 'pnpm@10.34.9'];

/** The workspace's public packages, `{ name, dir, manifest }`, sorted by folder. */
export function publicPackages() {
  const found = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = join(ROOT, group);
    if (!existsSync(groupDir)) continue;
    for (const folder of readdirSync(groupDir).sort()) {
      const file = join(groupDir, folder, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private) continue;
      found.push({ name: manifest.name, dir: join(groupDir, folder), manifest });
    }
  }
  return found;
}

/**
 * Packs the given packages with one `pnpm -r pack` into `dest` and returns a Map from
 * package name to `{ tarball, files }` (the tarball's path and the files it holds). pnpm rewrites workspace ranges to versions and runs no
 * install script while packing. Throws with pnpm's output if packing fails.
 */
export function packPackages(pkgs, dest) {
  const filters = pkgs.flatMap((pkg) => ['--filter', pkg.name]);
  const out = execFileSync(
    PNPM[0],
    [...PNPM.slice(1), '-r', ...filters, 'pack', '--pack-destination', dest, '--json'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const parsed = JSON.parse(out.slice(out.search(/[[{]/)));
  const tarballs = new Map();
  for (const { name, filename, files } of Array.isArray(parsed) ? parsed : [parsed]) {
    tarballs.set(name, {
      tarball: filename.startsWith('/') ? filename : join(dest, basename(filename)),
      files: (files ?? []).map((f) => f.path),
    });
  }
  for (const pkg of pkgs) {
    if (!tarballs.has(pkg.name)) throw new Error(`pnpm pack made no tarball for ${pkg.name}`);
  }
  return tarballs;
}

/** Runs a command, returning `{ ok, output }` with stdout and stderr together. */
export function run(command, args, options = {}) {
  try {
    const output = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      ...options,
    });
    return { ok: true, output };
  } catch (e) {
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e) };
  }
}
