/**
 * The one backend selection policy (src/shared/backend-policy.ts) as a pure function over environment descriptions:
 * every row of README.md's "Backends" table is a case here, for inference and for training, and the README table
 * must be exactly these rows (so neither can change without the other). The runtimes that supply the descriptions
 * are tested where they run: test/unit/node-backends-optional.test.ts, trainer/test/train-backend.test.ts,
 * test/unit/cli-generate.test.ts (Node), test/browser/backend-auto.test.ts (Chromium).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUTO_ORDER, type BackendName, type BackendOffer, type BackendPurpose, backendChoices, planBackends, runBackendPlan,
} from '../../src/shared/backend-policy.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** One row of the README table: what the machine has, what starts, and what each purpose must end on. */
interface Row {
  readonly has: string;
  readonly choice: BackendName | 'auto';
  readonly backends: Partial<Record<BackendName, BackendOffer>>;
  /** Backends that fail when started (e.g. wasm whose .wasm files are missing). */
  readonly fails?: readonly BackendName[];
  readonly inference: string;
  readonly training: string;
}

const SWIFTSHADER = 'SwiftShader';
const hw = { software: null };
const sw = { software: SWIFTSHADER };
const cpus = { wasm: {}, cpu: {} };
const noTensorflow = { unavailable: 'tfjs-node not installed' };

const ROWS: readonly Row[] = [
  { has: 'tfjs-node installed, a hardware WebGPU adapter', choice: 'auto', backends: { tensorflow: {}, webgpu: hw, ...cpus }, inference: 'tensorflow', training: 'tensorflow' },
  {
    has: 'tfjs-node installed but it fails to load, a hardware WebGPU adapter', choice: 'auto', backends: { tensorflow: {}, webgpu: hw, ...cpus },
    fails: ['tensorflow'], inference: 'webgpu', training: 'webgpu',
  },
  { has: 'a hardware WebGPU adapter and a hardware WebGL renderer', choice: 'auto', backends: { webgpu: hw, webgl: hw, ...cpus }, inference: 'webgpu', training: 'webgpu' },
  { has: 'a hardware WebGL renderer, no WebGPU (a page)', choice: 'auto', backends: { webgpu: { unavailable: 'no navigator.gpu' }, webgl: hw, ...cpus }, inference: 'webgl', training: 'webgl' },
  { has: 'software WebGPU and WebGL (SwiftShader: a page on a CPU-only machine)', choice: 'auto', backends: { webgpu: sw, webgl: sw, ...cpus }, inference: 'wasm', training: 'cpu' },
  {
    has: 'a software WebGPU adapter (SwiftShader through Dawn: Node on a CPU-only machine)', choice: 'auto', backends: { tensorflow: noTensorflow, webgpu: sw, ...cpus },
    inference: 'wasm', training: 'cpu',
  },
  {
    has: 'no GPU API (no `navigator.gpu`, no WebGL context, no `webgpu` package)', choice: 'auto',
    backends: { webgpu: { unavailable: 'no navigator.gpu' }, webgl: { unavailable: 'no WebGL context' }, ...cpus }, inference: 'wasm', training: 'cpu',
  },
  {
    has: 'software WebGPU and WebGL, and wasm fails to start', choice: 'auto', backends: { webgpu: sw, webgl: sw, ...cpus }, fails: ['wasm'],
    inference: 'webgl (software)', training: 'cpu',
  },
  {
    has: 'a software WebGPU adapter, and wasm fails to start', choice: 'auto', backends: { tensorflow: noTensorflow, webgpu: sw, ...cpus }, fails: ['wasm'],
    inference: 'webgpu (software)', training: 'cpu',
  },
  {
    has: 'only cpu starts', choice: 'auto', backends: { tensorflow: {}, webgpu: hw, webgl: sw, ...cpus }, fails: ['tensorflow', 'webgpu', 'webgl', 'wasm'],
    inference: 'cpu', training: 'cpu',
  },
  { has: 'explicit `webgpu` on a software adapter', choice: 'webgpu', backends: { webgpu: sw, ...cpus }, inference: 'webgpu (software)', training: 'webgpu (software)' },
  { has: 'explicit `wasm`', choice: 'wasm', backends: { webgpu: sw, ...cpus }, inference: 'wasm', training: 'error: wasm cannot train' },
  { has: 'explicit `webgpu` where it cannot start', choice: 'webgpu', backends: { webgpu: {}, ...cpus }, fails: ['webgpu'], inference: 'error naming webgpu', training: 'error naming webgpu' },
];

/** What the policy ends on for `row` and `purpose`, in the table's words; the backends started, in order. */
async function outcome(row: Row, purpose: BackendPurpose): Promise<{ cell: string; started: BackendName[]; reason?: string; error?: string }> {
  const started: BackendName[] = [];
  try {
    const plan = planBackends(row.choice, { purpose, backends: row.backends });
    const r = await runBackendPlan(plan, async (step) => {
      started.push(step.backend);
      return row.fails?.includes(step.backend) ? { ok: false, error: `${step.backend} cannot start in this row` } : { ok: true };
    });
    return { cell: `${r.backend}${r.software ? ' (software)' : ''}`, started, reason: r.reason };
  } catch (e) {
    const message = (e as Error).message;
    if (/wasm cannot train/.test(message)) return { cell: 'error: wasm cannot train', started, error: message };
    const named = /^backend (\w+) /.exec(message)?.[1];
    return { cell: named ? `error naming ${named}` : `error: ${message}`, started, error: message };
  }
}

test("README's Backends table is exactly the rows this test checks", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const header = readme.indexOf('| what the machine has | inference | training |');
  assert.ok(header >= 0, 'README.md has the Backends table');
  const rows: string[] = [];
  for (let i = header + 2; i < readme.length && readme[i]!.startsWith('|'); i++) rows.push(readme[i]!);
  assert.deepEqual(rows, ROWS.map((r) => `| ${r.has} | ${r.inference} | ${r.training} |`));
});

for (const row of ROWS) {
  for (const purpose of ['inference', 'training'] as const) {
    test(`${row.has}: ${purpose} → ${row[purpose]}`, async () => {
      const r = await outcome(row, purpose);
      assert.equal(r.cell, row[purpose], `started ${r.started.join(', ')}; ${r.reason ?? r.error}`);
    });
  }
}

test('a software adapter is named in the reason where it is passed over; explicit choices start nothing else', async () => {
  const page = ROWS.find((r) => r.has.startsWith('software WebGPU and WebGL (SwiftShader'))!;
  const r = await outcome(page, 'inference');
  assert.equal(r.reason, 'webgpu: software adapter (SwiftShader) passed over; webgl: software renderer (SwiftShader) passed over; wasm: no hardware GPU');
  assert.deepEqual(r.started, ['wasm'], 'the software adapters were never started');
  const node = await outcome(ROWS.find((x) => x.has.startsWith('a software WebGPU adapter (SwiftShader through Dawn'))!, 'training');
  assert.equal(node.reason, 'tensorflow: unavailable (tfjs-node not installed); webgpu: software adapter (SwiftShader) passed over; cpu: no hardware GPU (wasm cannot train)');
  const failed = await outcome(ROWS.find((x) => x.has === 'explicit `webgpu` where it cannot start')!, 'inference');
  assert.deepEqual(failed.started, ['webgpu'], 'an explicit choice never falls back');
  assert.equal(failed.error, 'backend webgpu could not be initialised here: webgpu cannot start in this row');
  assert.throws(() => planBackends('webgl', { purpose: 'inference', backends: { wasm: {}, cpu: {} } }), /^Error: backend webgl is not available here \(this runtime has wasm, cpu\)$/);
  assert.throws(() => planBackends('webgpu', { purpose: 'inference', backends: { webgpu: { unavailable: 'no navigator.gpu' } } }), /^Error: backend webgpu could not be initialised here: no navigator\.gpu$/);
});

test('choice lists follow the table order; training offers no wasm', () => {
  assert.deepEqual(backendChoices(['cpu', 'wasm', 'webgpu', 'tensorflow'], 'inference'), ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
  assert.deepEqual(backendChoices(['cpu', 'wasm', 'webgpu', 'tensorflow'], 'training'), ['auto', 'tensorflow', 'webgpu', 'cpu']);
  // Every backend has a row for each purpose it serves, and software rows serve inference only.
  assert.ok(AUTO_ORDER.filter((r) => r.adapter === 'software').every((r) => r.purposes.join() === 'inference'));
});
