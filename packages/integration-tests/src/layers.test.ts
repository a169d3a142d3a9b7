/**
 * How the packages fit together, checked on the tree itself: the layering that
 * docs/architecture.md describes, and the rule that each package's code and tests use
 * only the tierswap packages it declares. A test that needs a package its own package
 * does not depend on belongs here, in integration-tests.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * The layers, bottom up (docs/architecture.md). A package may depend only on packages of
 * lower layers. Planned packages are listed so that they land in their place.
 */
const LAYER: Readonly<Record<string, number>> = {
  '@tierswap/base': 0,
  '@tierswap/slot-allocator': 1,
  '@tierswap/compress': 1,
  '@tierswap/memcg': 1,
  '@tierswap/vswap': 2,
  '@tierswap/zswap': 2,
  '@tierswap/tiered-store': 2,
  // Beside tiered-store (a device like its file and SQLite ones), but built on its
  // BlockDevice and error class, so just above it and below the stack, which can offer it.
  '@tierswap/redis-device': 2.5,
  '@tierswap/stack': 3,
  '@tierswap/workload': 4,
  // The programs: the studies, and the command that runs them.
  '@tierswap/bench': 5,
  tierswap: 6,
};
/** Private helpers for tests and benches: only ever devDependencies. */
const TOOLING = new Set(['@tierswap/bench-kit', '@tierswap/integration-tests']);

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface WorkspacePackage {
  dir: string;
  manifest: Manifest;
  layer: number | undefined;
}

function workspacePackages(): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const folder of readdirSync(groupDir).sort()) {
      const file = join(groupDir, folder, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      const layer = LAYER[manifest.name];
      found.push({ dir: join(groupDir, folder), manifest, layer });
    }
  }
  return found;
}

const tierswap = (deps: Record<string, string> | undefined) =>
  Object.keys(deps ?? {}).filter((name) => name.startsWith('@tierswap/'));

/** Every .ts file under the package's own folders (not node_modules, dist, build). */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (['node_modules', 'dist', 'build', 'bench-results'].includes(entry.name)) continue;
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) files.push(path);
    }
  };
  walk(dir);
  return files;
}

/** The @tierswap packages a file imports (subpaths folded into their package). */
function tierswapImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(
    /(?:from\s+|import\s*\(\s*|import\s+)['"](@tierswap\/[a-z0-9-]+)/g,
  )) {
    names.add(m[1]!);
  }
  return [...names];
}

const packages = workspacePackages();

describe('the workspace layers', () => {
  it('finds the packages the architecture names', () => {
    const names = packages.map((p) => p.manifest.name);
    for (const name of ['@tierswap/base', '@tierswap/zswap', '@tierswap/bench-kit']) {
      expect(names).toContain(name);
    }
  });

  it('places every package in a layer (or marks it as private tooling)', () => {
    const unplaced = packages
      .filter((p) => p.layer === undefined && !TOOLING.has(p.manifest.name))
      .map((p) => p.manifest.name);
    expect(unplaced, 'add new packages to LAYER here and to docs/architecture.md').toEqual([]);
  });

  it('points every dependency down the layers', () => {
    const upward: string[] = [];
    for (const { manifest, layer } of packages) {
      if (layer === undefined) continue;
      const deps = [...tierswap(manifest.dependencies), ...tierswap(manifest.devDependencies)];
      for (const dep of deps) {
        if (TOOLING.has(dep)) continue;
        const depLayer = LAYER[dep];
        if (depLayer === undefined || depLayer >= layer) {
          upward.push(`${manifest.name} (layer ${layer}) -> ${dep} (layer ${depLayer ?? '?'})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps private packages out of the published packages’ runtime dependencies', () => {
    const privateNames = new Set(
      packages.filter((p) => p.manifest.private).map((p) => p.manifest.name),
    );
    expect(privateNames.has('@tierswap/integration-tests')).toBe(true);
    const leaks = packages
      .filter((p) => !p.manifest.private)
      .flatMap((p) =>
        tierswap(p.manifest.dependencies)
          .filter((dep) => privateNames.has(dep) || TOOLING.has(dep))
          .map((dep) => `${p.manifest.name} -> ${dep}`),
      );
    expect(leaks).toEqual([]);
  });

  it('links workspace packages with workspace:*', () => {
    const pinned = packages.flatMap((p) =>
      [
        ...Object.entries(p.manifest.dependencies ?? {}),
        ...Object.entries(p.manifest.devDependencies ?? {}),
      ]
        .filter(([name, range]) => name.startsWith('@tierswap/') && range !== 'workspace:*')
        .map(([name, range]) => `${p.manifest.name}: ${name}@${range}`),
    );
    expect(pinned).toEqual([]);
  });
});

describe('imports match the declared dependencies', () => {
  it('imports in src/ (not tests) are runtime dependencies; tests, benches and examples may use devDependencies', () => {
    const undeclared: string[] = [];
    let checked = 0;
    for (const { dir, manifest } of packages) {
      const runtime = new Set([manifest.name, ...tierswap(manifest.dependencies)]);
      const all = new Set([...runtime, ...tierswap(manifest.devDependencies)]);
      for (const file of sourceFiles(dir)) {
        const rel = relative(dir, file);
        const shipped =
          rel.startsWith('src/') && !/\.test\.ts$/.test(rel) && !rel.includes('/testing/');
        for (const name of tierswapImports(file)) {
          checked++;
          if (!(shipped ? runtime : all).has(name)) {
            undeclared.push(
              `${relative(root, file)} imports ${name}, which ${manifest.name} does not declare${shipped ? ' in dependencies' : ''}`,
            );
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(undeclared).toEqual([]);
  });
});
