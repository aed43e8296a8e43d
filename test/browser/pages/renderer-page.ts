/**
 * Page for the renderer browser test: renders banks in a Web Worker (RenderWorkerClient + worker.ts) on the
 * backend asked for. (The engine bench has its own page, bench/engine-page.ts.)
 */
import { RenderWorkerClient } from '../../../src/engine/worker-client.ts';
import { randomLatent } from '../../../src/engine/latent.ts';

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

declare global {
  interface Window {
    rendererPageReady: boolean;
    runWorkerBank(opts: { workerUrl: string; modelUrl: string; backend: string; pitches: number[]; priority: number[]; sampleRateHz: number; seed: number; maxBatch?: number }): Promise<WorkerBankResult>;
    workerInitError(workerUrl: string): Promise<string>;
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
