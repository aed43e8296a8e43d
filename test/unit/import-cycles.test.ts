/**
 * No import cycles among the library's modules (src/) or the trainer's (trainer/src/): each folder is a room that
 * others import, never one that imports back (scripts/import-cycles.ts; type-only imports count).
 */
import assert from 'node:assert/strict';
import { relative, resolve } from 'node:path';
import { test } from 'node:test';
import { importCycles, importGraph, relativeImports } from '../../scripts/import-cycles.ts';

const REPO = resolve(import.meta.dirname, '../..');

test('relativeImports sees imports, type imports, re-exports and side-effect imports, not bare ones', () => {
  const src = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    "export { c } from './c.ts';",
    "export type { D } from './d.ts';",
    "import './e.ts';",
    "import * as tf from '@tensorflow/tfjs-core';",
    "import {\n  f,\n  g,\n} from './fg.ts';",
  ].join('\n');
  assert.deepEqual(relativeImports(src).sort(), ['../b.ts', './a.ts', './c.ts', './d.ts', './e.ts', './fg.ts']);
});

test('importCycles finds a three-module cycle and a self-import, and nothing in a chain', () => {
  const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['d']], ['e', ['f']], ['f', []]]);
  assert.deepEqual(importCycles(graph), [['a', 'b', 'c'], ['d']]);
});

for (const [dir, minModules] of [['src', 50], ['trainer/src', 40]] as const) {
  test(`${dir}/ has no import cycle`, () => {
    const graph = importGraph([resolve(REPO, dir)]);
    assert.ok(graph.size > minModules, `only ${graph.size} modules found under ${dir}`);
    const cycles = importCycles(graph).map((c) => c.map((f) => relative(REPO, f)).join(' ↔ '));
    assert.deepEqual(cycles, []);
  });
}
