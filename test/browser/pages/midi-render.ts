/**
 * Page of midi-render.test.ts: a <gansynth-midi-renderer> with its own NoteRenderer (tiny seeded model served at
 * /model/, tfjs wasm backend) renders a MIDI file written here through the real voice worklet in an
 * OfflineAudioContext. Exposes `window.runMidiRender(notes, rateHz)`.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { NoteRenderer } from '../../../src/engine/renderer.ts';
import '../../../src/ui/midi-file-renderer.ts';
import { renderMidi } from '../../../src/midi/midi-render.ts';
import { stretchesOf } from '../../../src/midi/midi-schedule.ts';
import { renderScheduleOffline } from '../../../src/ui/midi-offline.ts';
import { mixWithVoiceEngine } from '../../../src/node/midi-mix.ts';
import { Midi } from '../../../support/midi-fixtures.ts';

interface PageNote { pitch: number; startSec: number; durationSec: number; velocity: number }
interface PageResult {
  samples: number[];
  sampleRateHz: number;
  notes: number;
  renders: number;
  msPerNote: number;
  totalMs: number;
  progressSeen: number[];
  wavHref: string;
  status: string;
}

declare global {
  interface Window {
    runMidiRender(notes: PageNote[], rateHz: number, badBytes?: number[]): Promise<PageResult | { error: string }>;
    compareMixers(notes: PageNote[], rateHz: number): Promise<{ maxDiff: number; peak: number; stretches: number }>;
    midiPageReady: boolean;
  }
}

setWasmPaths('/wasm/');

window.runMidiRender = async (notes, rateHz, badBytes) => {
  // The element's own renderer (model-url), as the demo uses it.
  const el = document.createElement('gansynth-midi-renderer');
  el.modelUrl = '/model';
  el.backend = 'wasm';
  el.wasmPath = '/wasm/';
  el.presets = [{ name: 'test', latent: { seed: 5 } }];
  el.selected = 0;
  el.latentMode = 'selected';
  el.sampleRateHz = rateHz;
  el.processorUrl = '/worklet/processor.js';
  document.body.append(el);
  const progressSeen: number[] = [];
  el.addEventListener('midi-render-progress', (e) => progressSeen.push((e as CustomEvent<{ fraction: number }>).detail.fraction));
  const midi = new Midi();
  midi.header.setTempo(120);
  const track = midi.addTrack();
  for (const n of notes) track.addNote({ midi: n.pitch, time: n.startSec, duration: n.durationSec, velocity: n.velocity });
  const bytes = badBytes ? new Uint8Array(badBytes) : midi.toArray();
  const t0 = performance.now();
  try {
    const r = await el.renderBytes(bytes, 'test.mid');
    await el.updateComplete;
    const link = el.shadowRoot!.querySelector('a[download]') as HTMLAnchorElement | null;
    return {
      samples: Array.from(r.samples), sampleRateHz: r.sampleRateHz, notes: r.plan.notes.length, renders: r.plan.requests.length,
      msPerNote: r.msPerNote, totalMs: performance.now() - t0,
      progressSeen, wavHref: link?.href ?? '', status: el.shadowRoot!.textContent ?? '',
    };
  } catch (e) {
    await el.updateComplete;
    return { error: `${(e as Error).message} | shown: ${el.shadowRoot!.querySelector('[role=alert]')?.textContent ?? ''}` };
  } finally {
    el.remove(); // disposes the element's renderer
  }
};
/**
 * The same schedule mixed by the worklet (OfflineAudioContext) and by the Node driver's VoiceEngine loop: the CLI
 * and the element must make the same audio. Returns the largest sample difference and the peak.
 */
window.compareMixers = async (notes, rateHz) => {
  const renderer = new NoteRenderer({ model: '/model', sampleRateHz: rateHz, backend: 'wasm', wasmPath: '/wasm/' });
  await renderer.initialize();
  const midi = new Midi();
  midi.header.setTempo(120);
  const track = midi.addTrack();
  for (const n of notes) track.addNote({ midi: n.pitch, time: n.startSec, duration: n.durationSec, velocity: n.velocity });
  let maxDiff = -1;
  let peak = 0;
  let stretches = 0;
  try {
    await renderMidi(midi.toArray(), renderer, async (input) => {
      // Both drivers read one source: hand out copies (the worklet driver transfers buffers) and keep them.
      const source = { get: async (i: number) => { const b = await input.source.get(i); return { samples: b.samples.slice(), loop: b.loop }; }, release: () => undefined };
      const viaWorklet = await renderScheduleOffline({ ...input, source, processorUrl: '/worklet/processor.js' });
      const viaEngine = await mixWithVoiceEngine({ ...input, source });
      stretches = stretchesOf(input.schedule).length;
      maxDiff = 0;
      for (let i = 0; i < viaEngine.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(viaWorklet[i]! - viaEngine[i]!));
        peak = Math.max(peak, Math.abs(viaEngine[i]!));
      }
      return viaWorklet;
    }, { latents: { kind: 'random', seed: 3 }, intervalSec: 0.5, sampleRateHz: rateHz });
  } finally {
    renderer.dispose();
  }
  return { maxDiff, peak, stretches };
};
window.midiPageReady = true;
