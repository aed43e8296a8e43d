/**
 * Page of the backend-selection test: a selection on the page (`?choice=…&threads=…`, one per page load, since tfjs
 * starts wasm once per page), in a module Worker, or through the built render Worker (dist/demo/render-worker.js).
 */
import { probeSelection, type ProbeResult } from './backend-probe.ts';
import { RenderWorkerClient } from '../../../src/engine/worker-client.ts';
import { randomLatent } from '../../../src/engine/latent.ts';

declare global {
  interface Window {
    probeOnPage(choice: string, wasmThreads?: number): Promise<ProbeResult | { error: string }>;
    probeInWorker(workerUrl: string, choice: string, wasmThreads?: number): Promise<ProbeResult | { error: string }>;
    renderWithWorker(workerUrl: string, modelUrl: string): Promise<{ backend: string; peak: number }>;
    probeWithPatchedAdapter(vendor: string): Promise<PatchedProbe>;
  }
}

/** probeWithPatchedAdapter's report: the selection and tfjs's backend after it. */
export interface PatchedProbe {
  result: ProbeResult | { error: string };
  /** tfjs's backend after the selection. */
  current: string;
}

/**
 * `auto` with navigator.gpu.requestAdapter's adapter describing itself as `vendor`'s hardware (an instance `info`
 * shadows the real SwiftShader one for our probe; tfjs then runs on the SwiftShader device).
 */
window.probeWithPatchedAdapter = async (vendor) => {
  const gpu = navigator.gpu;
  const real = gpu.requestAdapter.bind(gpu);
  gpu.requestAdapter = async (o) => {
    const adapter = await real(o);
    if (adapter) Object.defineProperty(adapter, 'info', { value: { vendor, architecture: '', device: '', description: '', isFallbackAdapter: false } });
    return adapter;
  };
  const result = await probeSelection('auto');
  const { getBackend } = await import('@tensorflow/tfjs-core');
  return { result, current: getBackend() };
};

window.probeOnPage = (choice, wasmThreads) => probeSelection(choice as 'auto', wasmThreads);

window.probeInWorker = (workerUrl, choice, wasmThreads) => new Promise((resolve) => {
  const worker = new Worker(workerUrl, { type: 'module' });
  worker.onmessage = (e) => {
    resolve(e.data);
    worker.terminate();
  };
  worker.onerror = (e) => resolve({ error: `worker: ${e.message}` });
  worker.postMessage({ choice, wasmThreads });
});

window.renderWithWorker = async (workerUrl, modelUrl) => {
  const client = new RenderWorkerClient(workerUrl, { model: modelUrl, sampleRateHz: 48000, backend: 'auto', wasmPath: '/wasm/' });
  try {
    const info = await client.initialize();
    const bank = await client.renderBank(randomLatent(1), [60], {});
    const samples = bank.get(60)!;
    return { backend: info.backend, peak: samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
  } finally {
    client.dispose();
  }
};
