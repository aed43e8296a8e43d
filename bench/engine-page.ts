/**
 * The Chromium page of the engine bench (bench/engine-browser.ts): NoteRenderer on the page, on the backend asked
 * for, measured by the same code as in Node (engine-measure.ts). Exposes `window.benchPageRenderer`.
 */
import { NoteRenderer } from '../src/engine/renderer.ts';
import { disposeSpectralCache } from '../src/engine/spectral.ts';
import { measureRenderer, type MeasureOptions, type RendererMeasurement } from './engine-measure.ts';

/** What the bench asks the page for. */
export interface PageBenchRequest extends MeasureOptions {
  modelUrl: string;
  backend: string;
  pitches: number[];
  sampleRateHz: number;
  maxBatch?: number;
}

declare global {
  interface Window {
    benchPageReady: boolean;
    benchPageRenderer(o: PageBenchRequest): Promise<RendererMeasurement>;
  }
}

window.benchPageRenderer = async (o) => {
  const renderer = new NoteRenderer({ model: o.modelUrl, sampleRateHz: o.sampleRateHz, backend: o.backend as 'webgpu', wasmPath: '/wasm/', maxBatch: o.maxBatch });
  try {
    await renderer.initialize();
    return await measureRenderer(renderer, o.pitches, o);
  } finally {
    renderer.dispose();
    disposeSpectralCache();
  }
};

window.benchPageReady = true;
