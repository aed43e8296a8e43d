/**
 * NoteRenderer: latent → one buffer per pitch at the AudioContext's rate, all on the tfjs backend
 * (generator → featuresToWaves (iSTFT) → polyphase resampler), read back once per batch and handed out per
 * pitch as soon as its batch is done, priority pitches first. magenta-js lifecycle: the constructor does no
 * I/O, `initialize()` picks the backend and loads the model, `dispose()` frees everything it owns.
 *
 * A new render supersedes the one in flight (it is aborted between batches), so dragging the morph pad never
 * queues stale banks. Each request is one (latent, pitch) pair; `renderBank` is the one-latent case and
 * `renderNotes` the general one (MIDI renders, `gansynth generate`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, NormalizationConfig } from '../shared/model-config.ts';
import { abortError } from './abort.ts';
import { type PhaseKernels, generatorForward, pitchesToOneHot, prefersPhaseUpscale, preparePhaseKernels } from './generator.ts';
import { featuresToWaves } from './spectral.ts';
import { type FetchFn, type LoadedModel, loadModel } from './weights.ts';
import { type ResamplerOptions, TensorResampler, designResampler } from './resample.ts';
import {
  type BackendChoice, type BackendLimits, type BackendSelection, backendLimits, fitWebglConvToLimits, maxBatchFor,
  selectBackendExplained,
} from './backend.ts';
import { orderRequests, planBatches, type NoteRequest } from './render-plan.ts';
import { nowMs } from '../shared/clock.ts';

export { orderPitches, planBatches, type NoteRequest } from './render-plan.ts';

/** Options of a NoteRenderer (validated in the constructor). */
export interface NoteRendererOptions {
  /** A loaded model (the caller keeps ownership) or a model directory URL (the renderer loads and owns it). */
  model: LoadedModel | string;
  /** Output rate of every buffer (the AudioContext's, e.g. 44100/48000; 16000 = the model's, no resampling). */
  sampleRateHz: number;
  /** tfjs backend; 'auto' passes over software GPU adapters for wasm (backend.ts); 'current' keeps the one running (Node). */
  backend?: BackendChoice;
  /** Upper bound on notes per generator call (the adapter's limits may lower it, see backend.ts). */
  maxBatch?: number;
  /** Budget for one batch's live activations, bytes (default 1 GiB). */
  memoryBudgetBytes?: number;
  /** Where tfjs-backend-wasm's .wasm files are served. */
  wasmPath?: string;
  /** wasm threads when cross-origin isolated (1..8; default: the logical cores). */
  wasmThreads?: number;
  /** Fetch used to load a model URL (Node: model-io's nodeFetch). */
  fetchFn?: FetchFn;
  resampler?: ResamplerOptions;
}

/** Per-render options. */
export interface RenderOptions {
  /** Pitches to render first, in this order (held / recently played keys); others follow in request order. */
  priority?: readonly number[];
  /** Called with each finished note, in render order, before the next batch starts. */
  onNote?: (pitch: number, samples: Float32Array, index: number) => void;
  /** Aborts between batches (the promise rejects with an AbortError). */
  signal?: AbortSignal;
  /**
   * Stage timings, for profiling (the engine bench's ENGINE_BENCH_PROFILE rows): forces a GPU sync after each stage,
   * so the render is slower than without it; never pass it on a render you time as the product.
   */
  onStageTimings?: (timings: StageTimings) => void;
}

/** Wall-clock milliseconds of one batch's stages (only with `onStageTimings`). */
export interface StageTimings {
  batchSize: number;
  generatorMs: number;
  spectralMs: number;
  resampleMs: number;
  readbackMs: number;
}

/** Re-exported: callers of the renderer catch the same AbortError (abort.ts holds it without tfjs). */
export { abortError };

/** Resolves on a later macrotask, so queued messages (cancel, a new latent) are handled first. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Notes in a render's first batch: the priority (held) pitch sounds after one note's work, whatever the batch size. */
const FIRST_BATCH_NOTES = 1;

/** Hidden convs as fused conv+bias+leaky-ReLU kernels (see ForwardOptions.fused); GSW_UNFUSED=1 in Node turns it off for A/B runs. */
const FUSED_GENERATOR = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GSW_UNFUSED !== '1';

/** Renders note banks from latents on a tfjs backend. */
export class NoteRenderer {
  private readonly options: NoteRendererOptions;
  private model: LoadedModel | null = null;
  private ownsModel = false;
  /** The model's conv0 phase kernels when the backend prefers phase upscaling (ForwardOptions.phaseUpscale). */
  private phaseKernels: PhaseKernels | null = null;
  private resamplers = new Map<number, TensorResampler>();
  private limits: BackendLimits | null = null;
  private batchLimit = 1;
  private selection: BackendSelection = { backend: '', reason: '' };
  private active: { controller: AbortController; done: Promise<unknown> } | null = null;

  /** Validates options; does no I/O. */
  constructor(options: NoteRendererOptions) {
    if (!options || (typeof options.model !== 'string' && typeof options.model?.params !== 'object')) {
      throw new Error('NoteRenderer: options.model must be a LoadedModel or a model URL');
    }
    checkRate(options.sampleRateHz);
    if (options.maxBatch !== undefined && (!Number.isInteger(options.maxBatch) || options.maxBatch < 1)) {
      throw new Error(`NoteRenderer: maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    this.options = { ...options };
  }

  /** Picks the backend, loads the model (when given a URL) and builds the resampler. */
  async initialize(): Promise<void> {
    if (this.model) return;
    const o = this.options;
    this.selection = await selectBackendExplained(o.backend ?? 'auto', { wasmPath: o.wasmPath, wasmThreads: o.wasmThreads });
    const model = typeof o.model === 'string' ? await loadModel(o.model, { fetchFn: o.fetchFn }) : o.model;
    this.ownsModel = typeof o.model === 'string';
    this.limits = backendLimits();
    fitWebglConvToLimits(model.config, this.limits);
    this.batchLimit = maxBatchFor(model.config, this.limits, { maxBatch: o.maxBatch, memoryBudgetBytes: o.memoryBudgetBytes });
    this.model = model;
    if (prefersPhaseUpscale(tf.getBackend())) this.phaseKernels = preparePhaseKernels(model.params, model.config);
    this.resamplerFor(o.sampleRateHz);
  }

  /** Whether blocks ≥ 2's upscale + conv0 run as phase convs here (after initialize; ForwardOptions.phaseUpscale). */
  get phaseUpscale(): boolean {
    return this.phaseKernels !== null;
  }

  /** The backend tfjs runs on (after initialize). */
  get backend(): string {
    return this.selection.backend;
  }

  /** Why that backend (after initialize), e.g. 'webgpu: software adapter (SwiftShader) passed over; …; wasm: SIMD, 2 threads'. */
  get backendReason(): string {
    return this.selection.reason;
  }

  /** Notes per generator call, from the batch rule (after initialize). */
  get maxBatch(): number {
    return this.batchLimit;
  }

  /** What bounded the batch (after initialize). */
  get backendLimits(): BackendLimits | null {
    return this.limits;
  }

  /** The loaded model's config (after initialize). */
  get config(): ModelConfig {
    return this.live().config;
  }

  /** Latent size of the model (NoteSynth interface of src/midi/types.ts). */
  get latentSize(): number {
    return this.live().config.latentSize;
  }

  /** Samples per rendered note at `sampleRateHz` (default: the renderer's rate). */
  outputLength(sampleRateHz = this.options.sampleRateHz): number {
    return this.resamplerFor(sampleRateHz).outputLength;
  }

  /**
   * Renders `pitches` for one latent. Resolves with a buffer per pitch at the renderer's rate; `onNote` sees
   * each as soon as its batch is read back, priority pitches first.
   */
  async renderBank(latent: Float32Array, pitches: readonly number[], opts: RenderOptions = {}): Promise<Map<number, Float32Array>> {
    const model = this.live();
    checkLatent(latent, model.config);
    const seen = new Set<number>();
    for (const p of pitches) {
      if (seen.has(p)) throw new Error(`renderBank: pitch ${p} requested twice`);
      seen.add(p);
    }
    const requests = pitches.map((pitch) => ({ latent, pitch }));
    const out = new Map<number, Float32Array>();
    await this.run(requests, this.options.sampleRateHz, opts, (req, samples, index) => {
      out.set(req.pitch, samples);
      opts.onNote?.(req.pitch, samples, index);
    });
    return out;
  }

  /**
   * Renders arbitrary (latent, pitch) requests at `sampleRateHz` (default: the renderer's), in request order
   * (priority by pitch applies too). Returns one buffer per request, in request order.
   */
  async renderNotes(
    requests: readonly NoteRequest[], sampleRateHz: number = this.options.sampleRateHz,
    onNote?: (done: number, total: number) => void, opts: Omit<RenderOptions, 'onNote'> = {},
  ): Promise<Float32Array[]> {
    const model = this.live();
    requests.forEach((r) => checkLatent(r.latent, model.config));
    const out: Float32Array[] = new Array(requests.length);
    let done = 0;
    await this.run(requests, sampleRateHz, opts, (_req, samples, _i, requestIndex) => {
      out[requestIndex] = samples;
      onNote?.(++done, requests.length);
    });
    return out;
  }

  /** Notes per generator call of a render of `notes` requests, in order (after initialize): [1, maxBatch, …, rest]. */
  batchSizes(notes: number): number[] {
    if (!Number.isInteger(notes) || notes < 0) throw new Error(`batchSizes: notes must be an integer ≥ 0, got ${notes}`);
    return planBatches(Array.from({ length: notes }, (_, i) => i), this.batchLimit, FIRST_BATCH_NOTES).map((b) => b.length);
  }

  /**
   * Renders one batch of each size a render of `notes` notes runs (`batchSizes`) and throws the audio away, so the
   * backend compiles its shaders for exactly those shapes before the real render. Default: one note. Resolves with
   * the batch sizes it rendered.
   */
  async warmUp(notes = 1): Promise<number[]> {
    const cfg = this.config;
    const sizes = [...new Set(this.batchSizes(Math.max(1, notes)))];
    const latent = new Float32Array(cfg.latentSize);
    const requests = sizes.flatMap((size) => Array.from({ length: size }, () => ({ latent, pitch: cfg.pitchMin })));
    let next = 0;
    const batches = sizes.map((size) => Array.from({ length: size }, () => next++));
    await this.run(requests, this.options.sampleRateHz, {}, () => undefined, batches);
    return sizes;
  }

  /** Aborts any render and frees the resampler tensors, and the model when the renderer loaded it. */
  dispose(): void {
    this.active?.controller.abort();
    this.active = null;
    for (const r of this.resamplers.values()) r.dispose();
    this.resamplers.clear();
    this.phaseKernels?.dispose();
    this.phaseKernels = null;
    if (this.ownsModel) this.model?.dispose();
    this.model = null;
  }

  /** Serialises renders: a new one aborts the previous (which stops at its next batch boundary). */
  private async run(
    requests: readonly NoteRequest[], sampleRateHz: number, opts: RenderOptions,
    emit: (req: NoteRequest, samples: Float32Array, index: number, requestIndex: number) => void, batches?: number[][],
  ): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (opts.signal?.aborted) controller.abort();
    opts.signal?.addEventListener('abort', onAbort);
    const previous = this.active;
    previous?.controller.abort();
    const done = (async () => {
      if (previous) await previous.done.catch(() => undefined);
      await this.renderRequests(requests, sampleRateHz, opts, controller.signal, emit, batches);
    })();
    this.active = { controller, done };
    try {
      await done;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (this.active?.controller === controller) this.active = null;
    }
  }

  /** Renders `requests` in `batches` (request indices; default: priority order, planned by the batch rule). */
  private async renderRequests(
    requests: readonly NoteRequest[], sampleRateHz: number, opts: RenderOptions, signal: AbortSignal,
    emit: (req: NoteRequest, samples: Float32Array, index: number, requestIndex: number) => void,
    batches = planBatches(orderRequests(requests, opts.priority ?? []), this.batchLimit, FIRST_BATCH_NOTES),
  ): Promise<void> {
    const model = this.live();
    const resampler = this.resamplerFor(sampleRateHz);
    let index = 0;
    for (const batch of batches) {
      // Yield to the event loop: on wasm/cpu, data() resolves in microtasks, and without a macrotask turn a
      // Worker would never see the cancel / next-latent message that should stop this render.
      await yieldToEventLoop();
      if (signal.aborted || !this.model) throw abortError();
      const reqs = batch.map((i) => requests[i]!);
      const samples = await this.renderBatch(model, reqs, resampler, opts.onStageTimings);
      const len = resampler.outputLength;
      // One readback per batch; each note gets its own buffer so it can be transferred on its own.
      batch.forEach((requestIndex, j) => emit(requests[requestIndex]!, samples.slice(j * len, (j + 1) * len), index++, requestIndex));
    }
  }

  private async renderBatch(
    model: LoadedModel, reqs: readonly NoteRequest[], resampler: TensorResampler, onTimings?: (t: StageTimings) => void,
  ): Promise<Float32Array> {
    const { config } = model;
    const norm: NormalizationConfig = model.normalization ?? config.normalization;
    const generate = () => tf.tidy(() => {
      const z = tf.tensor2d(concatLatents(reqs, config.latentSize), [reqs.length, config.latentSize]);
      const onehot = pitchesToOneHot(reqs.map((r) => r.pitch), config);
      const phaseKernels = this.phaseKernels ?? undefined;
      return generatorForward(model.params, config, z, onehot, { toRgbHeSlope: model.meta?.toRgbHeSlope, fused: FUSED_GENERATOR, phaseUpscale: phaseKernels !== undefined, phaseKernels });
    });
    const spectral = (features: tf.Tensor4D) => tf.tidy(() => featuresToWaves(features, config.spectral, norm));
    if (!onTimings) {
      const wave = tf.tidy(() => resampler.resample(spectral(generate())));
      try {
        return (await wave.data()) as Float32Array;
      } finally {
        wave.dispose();
      }
    }
    // Profiled path: a 1-element readback after each stage waits for the GPU queue to drain.
    const sync = async (t: tf.Tensor) => {
      const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [1]));
      await one.data();
      one.dispose();
    };
    const t0 = nowMs();
    const features = generate();
    await sync(features);
    const t1 = nowMs();
    const audio = spectral(features);
    features.dispose();
    await sync(audio);
    const t2 = nowMs();
    const wave = resampler.resample(audio);
    audio.dispose();
    await sync(wave);
    const t3 = nowMs();
    const data = (await wave.data()) as Float32Array;
    wave.dispose();
    const t4 = nowMs();
    onTimings({ batchSize: reqs.length, generatorMs: t1 - t0, spectralMs: t2 - t1, resampleMs: t3 - t2, readbackMs: t4 - t3 });
    return data;
  }

  private resamplerFor(sampleRateHz: number): TensorResampler {
    checkRate(sampleRateHz);
    let r = this.resamplers.get(sampleRateHz);
    if (!r) {
      const spec = this.live().config.spectral;
      r = new TensorResampler(designResampler(spec.sampleRateHz, sampleRateHz, this.options.resampler), spec.audioLengthSamples);
      this.resamplers.set(sampleRateHz, r);
    }
    return r;
  }

  private live(): LoadedModel {
    if (!this.model) throw new Error('NoteRenderer: call initialize() first (or it was disposed)');
    return this.model;
  }
}

function checkRate(sampleRateHz: number): void {
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 8000 || sampleRateHz > 192000) {
    throw new Error(`NoteRenderer: sampleRateHz must be an integer in [8000, 192000], got ${sampleRateHz}`);
  }
}

function checkLatent(latent: Float32Array, config: ModelConfig): void {
  if (!(latent instanceof Float32Array) || latent.length !== config.latentSize) {
    throw new Error(`latent must be a Float32Array of ${config.latentSize}, got ${latent?.constructor?.name ?? typeof latent} of ${(latent as { length?: number })?.length}`);
  }
  for (let i = 0; i < latent.length; i++) {
    if (!Number.isFinite(latent[i]!)) throw new Error(`latent[${i}] is ${latent[i]}`);
  }
}

function concatLatents(reqs: readonly NoteRequest[], size: number): Float32Array {
  const out = new Float32Array(reqs.length * size);
  reqs.forEach((r, i) => out.set(r.latent, i * size));
  return out;
}
