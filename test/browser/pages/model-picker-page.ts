/**
 * Browser test page of the model picker: the instrument test page (gsTest: mount, recorder, stats) plus what
 * these tests need: the `model-loaded` events, the status line's text, and a render of a model by our own loader
 * on this thread (the reference the instrument's note must match).
 */
import '../../../support/pages/instrument-page.ts';
import { selectBackend } from '../../../src/engine/backend.ts';
import { resolvePresetLatent } from '../../../src/engine/presets.ts';
import { NoteRenderer } from '../../../src/engine/renderer.ts';
import { loadModel } from '../../../src/engine/weights.ts';
import type { GansynthInstrument } from '../../../src/ui/gansynth-instrument.ts';

type Gs = { el: GansynthInstrument | undefined };
const gs = (window as unknown as { gsTest: Gs }).gsTest;

const api = {
  loaded: [] as { label: string; url: string; notice: string; modelName: string; t: number }[],

  /** Status-line phase texts seen (sampled every animation frame), e.g. download progress. */
  phases: new Set<string>(),

  /** Starts collecting `model-loaded` events and status phases of the mounted instrument. */
  watch(): void {
    gs.el!.addEventListener('model-loaded', (e) => this.loaded.push({ ...(e as CustomEvent).detail, t: Math.round(performance.now()) }));
    const sample = () => {
      const phase = gs.el?.shadowRoot?.querySelector('gansynth-status-line')?.shadowRoot?.querySelector('[part=phase]')?.textContent;
      if (phase) this.phases.add(phase.trim());
      requestAnimationFrame(sample);
    };
    sample();
  },

  /** Resolves with the next `model-loaded` detail and the following `bank-ready` (or an error). */
  nextModel(timeoutMs = 240_000): Promise<{ label: string; notice: string; modelName: string; reused: boolean }> {
    const el = gs.el!;
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no model-loaded + bank-ready within ${timeoutMs} ms`)), timeoutMs);
      let detail: { label: string; notice: string; modelName: string; reused: boolean } | undefined;
      const onLoaded = (e: Event) => {
        detail = (e as CustomEvent).detail;
        // A kept model (a fallback to what plays) renders nothing new.
        if (detail?.reused) done();
      };
      const onReady = () => detail && done();
      const onError = (e: Event) => {
        cleanup();
        fail(new Error((e as CustomEvent).detail.message));
      };
      const cleanup = () => {
        clearTimeout(timer);
        el.removeEventListener('model-loaded', onLoaded);
        el.removeEventListener('bank-ready', onReady);
        el.removeEventListener('error', onError);
      };
      const done = () => {
        cleanup();
        ok(detail!);
      };
      el.addEventListener('model-loaded', onLoaded);
      el.addEventListener('bank-ready', onReady);
      el.addEventListener('error', onError);
    });
  },

  status(): string {
    return gs.el!.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.replace(/\s+/g, ' ');
  },

  /** The instrument's current note of `pitch`, as a plain array. */
  note(pitch: number): number[] {
    return Array.from(gs.el!.getNote(pitch)?.samples ?? []);
  },

  /** Our loader + NoteRenderer on this thread (wasm): `pitch` of preset 0's latent at the instrument's rate. */
  async reference(url: string, pitch: number): Promise<number[]> {
    await selectBackend('wasm', { wasmPath: '/wasm/' });
    const model = await loadModel(url);
    const renderer = new NoteRenderer({ model, sampleRateHz: gs.el!.context!.sampleRate, backend: 'current' });
    try {
      await renderer.initialize();
      const latent = resolvePresetLatent(gs.el!.presets[0]!, model.config.latentSize);
      const notes = await renderer.renderBank(latent, [pitch]);
      return Array.from(notes.get(pitch)!);
    } finally {
      renderer.dispose();
      model.dispose();
    }
  },
};

(window as unknown as { mpTest: typeof api }).mpTest = api;
