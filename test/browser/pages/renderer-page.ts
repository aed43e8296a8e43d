/**
 * Page for the renderer browser test and the Chromium rows of the bench: renders banks in a Web Worker
 * (RenderWorkerClient + worker.ts) or on the page (NoteRenderer), on the backend asked for.
 */
import { RenderWorkerClient } from '../../../src/engine/worker-client.ts';
import { NoteRenderer, type StageTimings } from '../../../src/engine/renderer.ts';
import { randomLatent } from '../../../src/engine/latent.ts';
import { disposeSpectralCache } from '../../../src/engine/spectral.ts';
import * as tf from '@tensorflow/tfjs-core';

/** What one Worker bank render reports. */
export interface WorkerBankResult {
  backend: string;
  maxBatch: number;
  limitSource: string;
  order: number[];
  lengths: number[];
  allFinite: boolean;
  silentPitches: number[];
  initMs: number;
  renderMs: number;
  firstNoteMs: number;
}

/** What one main-thread bench run reports. */
export interface PageBenchResult {
  backend: string;
  maxBatch: number;
  limitSource: string;
  warmUpMs: number;
  renderMs: number;
  notes: number;
  stages: StageTimings[];
  /** tf.profile peak of live tensor bytes over one more batch, when asked for. */
  memory?: { peakTensorBytes: number; batch: number };
}

declare global {
  interface Window {
    rendererPageReady: boolean;
    runWorkerBank(opts: { workerUrl: string; modelUrl: string; backend: string; pitches: number[]; priority: number[]; sampleRateHz: number; seed: number; maxBatch?: number }): Promise<WorkerBankResult>;
    workerInitError(workerUrl: string): Promise<string>;
    benchPageRenderer(opts: { modelUrl: string; backend: string; pitches: number[]; sampleRateHz: number; maxBatch?: number; profile: boolean; memory?: boolean }): Promise<PageBenchResult>;
  }
}

window.runWorkerBank = async (o) => {
  const t0 = performance.now();
  const client = new RenderWorkerClient(o.workerUrl, { model: o.modelUrl, sampleRateHz: o.sampleRateHz, backend: o.backend as 'webgpu', wasmPath: '/wasm/', maxBatch: o.maxBatch });
  try {
    const info = await client.initialize();
    const t1 = performance.now();
    const order: number[] = [];
    let firstNoteMs = 0;
    const bank = await client.renderBank(randomLatent(o.seed), o.pitches, {
      priority: o.priority,
      onNote: (pitch) => {
        if (order.length === 0) firstNoteMs = performance.now() - t1;
        order.push(pitch);
      },
    });
    const renderMs = performance.now() - t1;
    const values = [...bank.values()];
    return {
      backend: info.backend, maxBatch: info.maxBatch, limitSource: info.limitSource, order,
      lengths: values.map((s) => s.length),
      allFinite: values.every((s) => s.every(Number.isFinite)),
      silentPitches: [...bank].filter(([, s]) => !s.some((v) => Math.abs(v) > 1e-5)).map(([p]) => p),
      initMs: t1 - t0, renderMs, firstNoteMs,
    };
  } finally {
    client.dispose();
  }
};

window.benchPageRenderer = async (o) => {
  const renderer = new NoteRenderer({ model: o.modelUrl, sampleRateHz: o.sampleRateHz, backend: o.backend as 'webgpu', wasmPath: '/wasm/', maxBatch: o.maxBatch });
  try {
    await renderer.initialize();
    let t0 = performance.now();
    await renderer.warmUp();
    const warmUpMs = performance.now() - t0;
    const stages: StageTimings[] = [];
    t0 = performance.now();
    await renderer.renderBank(randomLatent(1), o.pitches, o.profile ? { onStageTimings: (s) => stages.push(s) } : {});
    const renderMs = performance.now() - t0;
    let memory: PageBenchResult['memory'];
    if (o.memory) {
      const batch = o.pitches.slice(0, renderer.maxBatch).map((pitch, i) => ({ pitch, latent: randomLatent(100 + i) }));
      const profile = await tf.profile(async () => {
        await renderer.renderNotes(batch, o.sampleRateHz);
        return [];
      });
      memory = { peakTensorBytes: profile.peakBytes, batch: batch.length };
    }
    return { backend: renderer.backend, maxBatch: renderer.maxBatch, limitSource: renderer.backendLimits?.source ?? '', warmUpMs, renderMs, notes: o.pitches.length, stages, memory };
  } finally {
    renderer.dispose();
    disposeSpectralCache();
  }
};

window.workerInitError = async (workerUrl) => {
  const client = new RenderWorkerClient(workerUrl, { model: '/model/', sampleRateHz: 48000 });
  try {
    await client.initialize();
    return 'initialize() resolved';
  } catch (e) {
    return (e as Error).message;
  } finally {
    client.dispose();
  }
};

window.rendererPageReady = true;
