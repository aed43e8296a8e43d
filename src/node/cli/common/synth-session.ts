/**
 * What `gansynth generate` and `gansynth render` both need: the --model argument (optional: the built-in model by
 * default), a tfjs backend, a loaded model behind an initialised NoteRenderer, and a progress bar on the CLI's
 * stream.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { NoteRenderer } from '../../../engine/renderer.ts';
import type { LoadedModel } from '../../../engine/weights.ts';
import { NODE_BACKENDS, type NodeBackendName, selectNodeBackend } from '../../backends.ts';
import { backendChoices } from '../../../shared/backend-policy.ts';
import { DEFAULT_FETCH_TIMEOUT_SEC, MAX_FETCH_TIMEOUT_SEC } from '../../http-fetch.ts';
import { loadModelFromDisk } from '../../model-io.ts';
import type { OptionDecls } from './args.ts';
import { type CliIo, CliUsageError } from './io.ts';

/**
 * The built-in model, models/default of this package: found from this file, so it is the same whatever the
 * working directory (a checkout, or node_modules/gansynth-web when installed).
 */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../../models/default', import.meta.url));

/** Backends `gansynth` accepts: 'auto' and what Node has, in the policy's order (src/shared/backend-policy.ts). */
export const CLI_BACKENDS = backendChoices(NODE_BACKENDS, 'inference');
/** One of CLI_BACKENDS. */
export type CliBackend = NodeBackendName | 'auto';

/**
 * Options `render` and `generate` share (src/node/cli/common/args.ts declarations): the model, its download
 * timeout, the backend and the batch bound.
 */
export const SESSION_OPTIONS = {
  model: {
    kind: 'string', value: 'DIR|URL|default', help: 'model directory (model.json or a Magenta checkpoint) or URL',
    defaultText: `the built-in model,\n${DEFAULT_MODEL_PATH}`,
  },
  'fetch-timeout-sec': {
    kind: 'number', value: 'T', min: 0.1, max: MAX_FETCH_TIMEOUT_SEC, unit: 's', defaultText: String(DEFAULT_FETCH_TIMEOUT_SEC),
    help: "a model URL's download fails after T s without data",
  },
  backend: { kind: 'choice', choices: CLI_BACKENDS, default: 'auto', help: 'tfjs backend; auto as README.md "Backends" says (inference)' },
  'max-batch': { kind: 'int', value: 'N', min: 1, max: 256, defaultText: "the backend's rule", help: 'notes per generator call' },
} as const satisfies OptionDecls;

/**
 * Resolves --model: absent or 'default' = DEFAULT_MODEL_PATH, an http(s)/file URL, or an existing directory
 * (CliUsageError otherwise).
 */
export function resolveModelArg(value: string | undefined): string {
  if (value === undefined || value === 'default') return DEFAULT_MODEL_PATH;
  if (value === '') throw new CliUsageError("--model: empty (give a model directory, a URL, or 'default')");
  if (/^(https?|file):/i.test(value)) return value;
  const dir = resolve(value);
  if (!existsSync(dir)) throw new CliUsageError(`--model: no such directory '${value}'`);
  if (!statSync(dir).isDirectory()) throw new CliUsageError(`--model: '${value}' is not a directory`);
  return dir;
}

/** A backend, a model and a renderer, to be disposed together. */
export interface SynthSession {
  readonly backend: NodeBackendName;
  readonly model: LoadedModel;
  readonly renderer: NoteRenderer;
  /** "model NAME (config, UNTRAINED…) from SOURCE, backend B, batch ≤ N" for the log. */
  readonly description: string;
  dispose(): void;
}

/**
 * Initialises the backend, loads the model (a path or URL as resolveModelArg returns) and makes its renderer at
 * `sampleRateHz`. The backend follows the one selection policy (`auto` passes over a software WebGPU adapter such
 * as SwiftShader for wasm, faster on the same CPU); under `auto`, `notice` gets the reason line.
 */
export async function openSynthSession(opts: {
  model: string; sampleRateHz: number; backend: CliBackend; maxBatch?: number; notice?: (line: string) => void;
  /** A model URL's timeout without progress, seconds (--fetch-timeout-sec). */
  fetchTimeoutSec?: number;
}): Promise<SynthSession> {
  const { backend, reason } = await selectNodeBackend(opts.backend, 'inference');
  if (opts.backend === 'auto') opts.notice?.(`backend auto: ${reason}`);
  const model = await loadModelFromDisk(opts.model, { fetchTimeoutSec: opts.fetchTimeoutSec });
  const renderer = new NoteRenderer({ model, sampleRateHz: opts.sampleRateHz, backend: 'current', maxBatch: opts.maxBatch });
  try {
    await renderer.initialize();
  } catch (e) {
    renderer.dispose();
    model.dispose();
    throw e;
  }
  const untrained = model.meta.untrained ? ', UNTRAINED: noise, not instruments' : '';
  const source = opts.model === DEFAULT_MODEL_PATH ? `the built-in default ${opts.model} (--model to choose another)` : opts.model;
  return {
    backend, model, renderer,
    description: `model ${model.meta.name ?? model.config.name} (${model.config.name}${untrained}) from ${source}, backend ${backend}, batch ≤ ${renderer.maxBatch}`,
    dispose() {
      renderer.dispose();
      model.dispose();
    },
  };
}

/** A progress bar on the CLI's progress stream (null when it has none): `update(done, label)`. */
export function progressBar(io: CliIo, total: number, unit: string): { update(done: number, phase?: string): void; stop(): void } | null {
  if (!io.progressStream) return null;
  const bar = new cliProgress.SingleBar(
    { stream: io.progressStream, format: `{phase} [{bar}] {value}/{total} ${unit} | {duration}s`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { phase: 'rendering' });
  return {
    update: (done, phase) => bar.update(done, phase ? { phase } : {}),
    stop: () => bar.stop(),
  };
}
