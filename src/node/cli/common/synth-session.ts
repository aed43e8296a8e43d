/**
 * What `gansynth generate` and `gansynth render` both need: the --model argument (optional: the built-in model by
 * default), a tfjs backend, a loaded model behind an initialised NoteRenderer, and a progress bar on the CLI's
 * stream.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { isSoftwareWebgpu, webgpuAdapterDescription } from '../../../engine/backend.ts';
import { NoteRenderer } from '../../../engine/renderer.ts';
import type { LoadedModel } from '../../../engine/weights.ts';
import { useNodeBackend, type NodeBackendName } from '../../backends.ts';
import { DEFAULT_FETCH_TIMEOUT_SEC, MAX_FETCH_TIMEOUT_SEC } from '../../http-fetch.ts';
import { loadModelFromDisk } from '../../model-io.ts';
import { type CliIo, CliUsageError } from './io.ts';

/**
 * The built-in model, models/default of this package: found from this file, so it is the same whatever the
 * working directory (a checkout, or node_modules/gansynth-web when installed).
 */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../../models/default', import.meta.url));

/** Backends the CLIs accept. */
export const CLI_BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'] as const;
/** One of CLI_BACKENDS. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

/** The --model help line both commands print. */
export const MODEL_HELP = `--model DIR|URL|default   model directory (model.json or a Magenta checkpoint) or URL; default: the built-in
                            ${DEFAULT_MODEL_PATH}`;

/** parseArgs option of --fetch-timeout-sec, to spread into a command's options. */
export const FETCH_TIMEOUT_OPTION = { 'fetch-timeout-sec': { type: 'string' } } as const;

/** The --fetch-timeout-sec help line both commands print. */
export const FETCH_TIMEOUT_HELP = `--fetch-timeout-sec T     a model URL's download fails after T s without data (default ${DEFAULT_FETCH_TIMEOUT_SEC}, at most ${MAX_FETCH_TIMEOUT_SEC})`;

/** Validates --fetch-timeout-sec (undefined: the default). */
export function parseFetchTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const sec = Number(value);
  if (value.trim() === '' || !Number.isFinite(sec) || sec < 0.1 || sec > MAX_FETCH_TIMEOUT_SEC) {
    throw new CliUsageError(`--fetch-timeout-sec must be a number of seconds in 0.1..${MAX_FETCH_TIMEOUT_SEC}, got '${value}'`);
  }
  return sec;
}

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
 * `sampleRateHz`. `auto` that finds only a software WebGPU adapter (SwiftShader) switches to wasm, which is faster
 * on the same CPU, and says so through `notice`.
 */
export async function openSynthSession(opts: {
  model: string; sampleRateHz: number; backend: CliBackend; maxBatch?: number; notice?: (line: string) => void;
  /** A model URL's timeout without progress, seconds (--fetch-timeout-sec). */
  fetchTimeoutSec?: number;
}): Promise<SynthSession> {
  let backend = await useNodeBackend(opts.backend);
  if (opts.backend === 'auto' && backend === 'webgpu' && isSoftwareWebgpu()) {
    opts.notice?.(`webgpu adapter is software (${webgpuAdapterDescription()}): using wasm; --backend webgpu forces it`);
    backend = await useNodeBackend('wasm');
  }
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
