/**
 * Import cycles among the TypeScript modules under the given folders (default: src): every relative `import`,
 * `import type` and `export … from` counts, since a type-only cycle still ties the modules' shapes together.
 * Prints each cycle (a strongly connected component of more than one module, or a module importing itself) and
 * exits 1 when there is one.
 *
 *   npx tsx scripts/import-cycles.ts [DIR...]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');

/** Relative import specifiers of one module's source (static imports and re-exports, type-only included). */
export function relativeImports(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\n;])\s*(?:import|export)\s(?:type\s)?[^'";]*?from\s*['"](\.[^'"]+)['"]|(?:^|[\n;])\s*import\s*['"](\.[^'"]+)['"]/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

/** Module → the modules it imports, for every .ts file under `dirs` (imports leaving those folders included as nodes). */
export function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const dir of dirs) {
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.ts') || f.endsWith('.d.ts')) continue;
      const file = resolve(dir, f);
      const deps = relativeImports(readFileSync(file, 'utf8'))
        .map((s) => resolve(dirname(file), s))
        .filter((p) => p.endsWith('.ts') && existsSync(p));
      graph.set(file, deps);
    }
  }
  return graph;
}

/** The cycles of `graph`: strongly connected components with more than one module, or a self-import (Tarjan). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const dirs = (process.argv.length > 2 ? process.argv.slice(2) : ['src']).map((d) => resolve(d));
  const graph = importGraph(dirs);
  const cycles = importCycles(graph);
  const edges = [...graph.values()].reduce((n, d) => n + d.length, 0);
  for (const c of cycles) console.log(`cycle: ${c.map((f) => relative(REPO, f)).join(' ↔ ')}`);
  console.log(`${graph.size} modules, ${edges} relative imports, ${cycles.length} cycle(s) under ${dirs.map((d) => relative(REPO, d) || '.').join(', ')}`);
  process.exitCode = cycles.length > 0 ? 1 : 0;
}
