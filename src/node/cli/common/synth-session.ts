/**
 * What `gansynth generate` and `gansynth render` both need: the --model argument, a tfjs backend, a loaded model
 * behind an initialised NoteRenderer, and a progress bar on the CLI's stream.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { NoteRenderer } from '../../../engine/renderer.ts';
import type { LoadedModel } from '../../../engine/weights.ts';
import { useNodeBackend, type NodeBackendName } from '../../backends.ts';
import { loadModelFromDisk } from '../../model-io.ts';
import { type CliIo, CliUsageError } from './io.ts';

/** The embedded default model directory (models/default). */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../../models/default', import.meta.url));

/** Backends the CLIs accept. */
export const CLI_BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'] as const;
/** One of CLI_BACKENDS. */
export type CliBackend = (typeof CLI_BACKENDS)[number];

/** Resolves --model: 'default', an http(s)/file URL, or an existing directory (CliUsageError otherwise). */
export function resolveModelArg(value: string | undefined): string {
  if (!value) throw new CliUsageError("--model is required (a model directory, a URL, or 'default')");
  if (value === 'default') return DEFAULT_MODEL_PATH;
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
  /** "model NAME (config, UNTRAINED…), backend B, batch ≤ N" for the log. */
  readonly description: string;
  dispose(): void;
}

/** Initialises the backend, loads the model and makes its renderer at `sampleRateHz`. */
export async function openSynthSession(opts: { model: string; sampleRateHz: number; backend: CliBackend; maxBatch?: number }): Promise<SynthSession> {
  const backend = await useNodeBackend(opts.backend);
  const model = await loadModelFromDisk(opts.model);
  const renderer = new NoteRenderer({ model, sampleRateHz: opts.sampleRateHz, backend: 'current', maxBatch: opts.maxBatch });
  try {
    await renderer.initialize();
  } catch (e) {
    renderer.dispose();
    model.dispose();
    throw e;
  }
  const untrained = model.meta.untrained ? ', UNTRAINED: noise, not instruments' : '';
  return {
    backend, model, renderer,
    description: `model ${model.meta.name ?? model.config.name} (${model.config.name}${untrained}), backend ${backend}, batch ≤ ${renderer.maxBatch}`,
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
