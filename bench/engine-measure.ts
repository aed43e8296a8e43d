/**
 * One engine measurement, the same in Node (engine.bench.ts) and on the Chromium page (engine-page.ts): the
 * product path timed as the instrument calls it, `renderBank(latent, pitches)` with no stage syncs, after a
 * warm-up that renders one batch of each size the timed render runs (`NoteRenderer.warmUp(notes)`), so shader
 * compilation for those shapes falls outside the timing. With `profile`, one more render of the same pitches with
 * `onStageTimings` (a GPU sync after each stage) gives the stage split, reported in rows of its own; with
 * `memory`, one more render of 1 + maxBatch notes under tf.profile gives the tensor memory peak of a full batch.
 * Imports only what runs in a browser too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NoteRenderer, StageTimings } from '../src/engine/renderer.ts';
import { randomLatent } from '../src/engine/latent.ts';

/** What to measure besides the timed product render. */
export interface MeasureOptions {
  /** Warm up with the timed shapes first (false: the timing includes first-use compilation; the rows say so). */
  warmUp: boolean;
  /** One more render with per-stage GPU syncs for the stage split. */
  profile: boolean;
  /** One more render under tf.profile for the tensor memory peak. */
  memory: boolean;
}

/** What one measurement found (plain data: it crosses from the page to Node). */
export interface RendererMeasurement {
  backend: string;
  /** The renderer computed upscale + conv0 as phase convs (fewer FLOPs: src/engine/cost.ts). */
  phaseUpscale: boolean;
  maxBatch: number;
  limitSource: string;
  /** Notes per generator call of the timed render, in order. */
  batchSizes: number[];
  /** Wall time of the warm-up (0 when skipped) and the batch sizes it rendered (one of each size above). */
  warmUpMs: number;
  warmUpBatchSizes: number[];
  /** Wall time of the timed product render: `renderBank` of every pitch, from call to resolve. */
  renderMs: number;
  /** Per batch, from the profiling render (empty without `profile`). */
  stages: StageTimings[];
  /** Wall time of the profiling render (stage syncs included), when run. */
  profiledRenderMs?: number;
  /** tf.profile peak of live tensor bytes over a render of `notes` notes (a full batch of `batch`), when asked for. */
  memory?: { peakTensorBytes: number; batch: number; notes: number };
}

/** Measures `renderer` (initialized) on `pitches` (distinct), one latent per render, as set out in the file header. */
export async function measureRenderer(renderer: NoteRenderer, pitches: readonly number[], o: MeasureOptions): Promise<RendererMeasurement> {
  const batchSizes = renderer.batchSizes(pitches.length);
  let t0 = performance.now();
  const warmUpBatchSizes = o.warmUp ? await renderer.warmUp(pitches.length) : [];
  const warmUpMs = o.warmUp ? performance.now() - t0 : 0;
  t0 = performance.now();
  await renderer.renderBank(randomLatent(1), pitches);
  const renderMs = performance.now() - t0;
  const stages: StageTimings[] = [];
  let profiledRenderMs: number | undefined;
  if (o.profile) {
    t0 = performance.now();
    await renderer.renderBank(randomLatent(2), pitches, { onStageTimings: (s) => stages.push(s) });
    profiledRenderMs = performance.now() - t0;
  }
  let memory: RendererMeasurement['memory'];
  if (o.memory) {
    // The first batch is one note, so a full batch of maxBatch needs 1 + maxBatch notes.
    const some = pitches.slice(0, 1 + renderer.maxBatch);
    const profile = await tf.profile(async () => {
      await renderer.renderBank(randomLatent(3), some);
      return [];
    });
    memory = { peakTensorBytes: profile.peakBytes, batch: Math.max(...renderer.batchSizes(some.length)), notes: some.length };
  }
  return {
    backend: renderer.backend, phaseUpscale: renderer.phaseUpscale, maxBatch: renderer.maxBatch, limitSource: renderer.backendLimits?.source ?? '', batchSizes,
    warmUpMs, warmUpBatchSizes, renderMs, stages, profiledRenderMs, memory,
  };
}
