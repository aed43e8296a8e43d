/**
 * Fixtures of the model picker's browser tests: Magenta-layout checkpoints of the paper generator with seeded
 * weights, written by our exporter in each form tfjs's converter writes (float32 in one or many shards, float16,
 * uint8), served in place of Magenta's hosted URLs through a route the test controls (working, offline, 404, an
 * HTML page, a truncated shard), and small model directories standing in for the built-in model.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Route } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PAPER_CONFIG, TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { saveModelDir, type SaveModelOptions } from '../../src/node/model-io.ts';
import { MAGENTA_GANSYNTH_BASE_URL } from '../../src/ui/model-catalog.ts';
import { FIXTURE_DIR } from '../../support/instrument-fixtures.ts';

/** Forms of a hosted checkpoint the tests serve. */
export const CHECKPOINT_FORMS = {
  'float32-1-shard': { shardBytes: 64 * 1024 * 1024 },
  'float32-many-shards': { shardBytes: 4 * 1024 * 1024 },
  float16: { quantize: 'float16' },
  uint8: { quantize: 'uint8' },
} as const satisfies Record<string, Partial<SaveModelOptions> & Record<string, unknown>>;
export type CheckpointForm = keyof typeof CHECKPOINT_FORMS;

/** How the fake hosted checkpoint answers. */
export type HostMode = CheckpointForm | 'offline' | 'not-found' | 'html' | 'truncated';

/** Writes the paper generator (seed 11) in Magenta's layout in every form; returns form → directory. */
export async function writeMagentaCheckpoints(): Promise<Record<CheckpointForm, string>> {
  await tf.setBackend('cpu');
  const params = initGeneratorParams(PAPER_CONFIG, 11);
  const out = {} as Record<CheckpointForm, string>;
  try {
    for (const [form, opts] of Object.entries(CHECKPOINT_FORMS) as [CheckpointForm, SaveModelOptions][]) {
      const dir = join(FIXTURE_DIR, 'magenta', form);
      if (!existsSync(join(dir, 'weights_manifest.json'))) {
        await saveModelDir(dir, { config: PAPER_CONFIG, params, meta: {} }, { magentaLayout: true, ...opts });
      }
      out[form] = dir;
    }
  } finally {
    Object.values(params).forEach((t) => t.dispose());
  }
  return out;
}

/** A tiny model directory named `name`; `trained: false` marks it untrained (the built-in placeholder's state). */
export async function writeTinyDir(name: string, trained: boolean, seed = 5): Promise<string> {
  const dir = join(FIXTURE_DIR, name);
  await tf.setBackend('cpu');
  const params = initGeneratorParams(TINY_CONFIG, seed);
  try {
    await saveModelDir(dir, { config: TINY_CONFIG, params, meta: { name, ...(trained ? {} : { untrained: true }) } });
  } finally {
    Object.values(params).forEach((t) => t.dispose());
  }
  return dir;
}

/** The files of a directory (for the picker's file input). */
export async function filesOf(dir: string): Promise<string[]> {
  return (await readdir(dir)).map((f) => join(dir, f));
}

/**
 * Serves Magenta's hosted acoustic_only URL from `dirs` in the mode `mode()` says; counts requests. CORS headers
 * as Magenta's bucket sends them (the page is cross-origin isolated).
 */
export async function routeHostedCheckpoint(context: BrowserContext, dirs: Record<CheckpointForm, string>, mode: () => HostMode): Promise<{ requests: string[] }> {
  const state = { requests: [] as string[] };
  const prefix = `${MAGENTA_GANSYNTH_BASE_URL}/acoustic_only/`;
  await context.route(`${MAGENTA_GANSYNTH_BASE_URL}/**`, async (route: Route) => {
    const url = route.request().url();
    state.requests.push(url);
    const headers = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
    const m = mode();
    if (m === 'offline') return route.abort('internetdisconnected');
    if (m === 'not-found' || !url.startsWith(prefix)) return route.fulfill({ status: 404, headers, body: 'Not Found' });
    if (m === 'html') return route.fulfill({ status: 200, headers: { ...headers, 'content-type': 'text/html' }, body: '<!doctype html><html><body>Sign in</body></html>' });
    const file = join(m === 'truncated' ? dirs['float32-many-shards'] : dirs[m], url.slice(prefix.length));
    if (!existsSync(file)) return route.fulfill({ status: 404, headers, body: 'Not Found' });
    let body = await readFile(file);
    if (m === 'truncated' && file.endsWith('.bin')) body = body.subarray(0, body.length >> 1);
    return route.fulfill({ status: 200, headers: { ...headers, 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }, body });
  });
  return state;
}
