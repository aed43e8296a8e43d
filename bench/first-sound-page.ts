/**
 * Page of the first-sound bench: `?backend=…&threads=…&max-batch=…&model=…` mounts `<gansynth-instrument>` as the demo does (its
 * own real-time AudioContext, the render Worker, the model URL), presses noteOn(60) at once and again every
 * PRESS_INTERVAL_MS until an AudioWorklet tap on `instrument.output` sees a sample above AUDIBLE_THRESHOLD (a
 * note-on before its pitch is rendered starts no voice: the worklet has no buffer to play yet), and records when
 * each stage happened, in ms since navigation start (`performance.now()`), on `window.firstSound`. Without
 * `backend` it does nothing (the harness opens the bare page first).
 */
import '../src/ui/gansynth-instrument.ts';
import type { GansynthInstrument } from '../src/ui/gansynth-instrument.ts';
import { FIRST_SOUND_CHANNEL, type FirstSoundState, type FirstSoundWorkerReport } from './first-sound-protocol.ts';

/** How often the key is pressed again until it sounds. */
const PRESS_INTERVAL_MS = 50;
/** |sample| above this counts as sound (the instrument tests' onset threshold). */
const AUDIBLE_THRESHOLD = 1e-4;
const PITCH = 60;

const TAP_SOURCE = `registerProcessor('first-sound-tap', class extends AudioWorkletProcessor {
  constructor() { super(); this.heard = false; }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (this.heard || !x) return true;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) > ${AUDIBLE_THRESHOLD}) { this.heard = true; this.port.postMessage(currentFrame + i); break; }
    }
    return true;
  }
});`;

const state: FirstSoundState = { marks: {}, backend: '', reason: '', notesDone: 0, errors: [] };
(window as unknown as { firstSound: FirstSoundState }).firstSound = state;
const mark = (k: keyof FirstSoundState['marks']) => (state.marks[k] ??= performance.now());

/** Taps `el.output` and marks 'audible' when the first sample above the threshold arrives. */
async function tap(el: GansynthInstrument): Promise<void> {
  const ctx = el.context!;
  state.sampleRateHz = ctx.sampleRate;
  await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([TAP_SOURCE], { type: 'text/javascript' })));
  const node = new AudioWorkletNode(ctx, 'first-sound-tap', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit' });
  node.port.onmessage = () => mark('audible');
  const mute = ctx.createGain();
  mute.gain.value = 0;
  el.output!.connect(node);
  node.connect(mute).connect(ctx.destination); // a processor runs only while something pulls it
}

function run(q: URLSearchParams): void {
  new BroadcastChannel(FIRST_SOUND_CHANNEL).onmessage = (e: MessageEvent<FirstSoundWorkerReport>) => {
    const r = e.data;
    const rel = (epochMs: number) => epochMs - performance.timeOrigin;
    if (r.type === 'selected') {
      state.marks.selectStart = rel(r.startEpochMs);
      state.marks.selectEnd = rel(r.endEpochMs);
      Object.assign(state, { backend: r.backend, reason: r.reason, threads: r.threads });
    } else if (r.type === 'worker-ready') state.marks.workerReady = rel(r.epochMs);
    else state.errors.push(`select: ${r.message}`);
  };
  const el = document.createElement('gansynth-instrument') as GansynthInstrument;
  el.setAttribute('worklet-url', '/worklet/processor.js');
  el.setAttribute('wasm-path', new URL('/wasm/', location.href).href);
  const workerQuery = new URLSearchParams();
  if (q.get('threads')) workerQuery.set('wasm-threads', q.get('threads')!);
  if (q.get('max-batch')) workerQuery.set('max-batch', q.get('max-batch')!);
  el.setAttribute('worker-url', new URL(`/static/first-sound-worker.js?${workerQuery}`, location.href).href);
  el.setAttribute('no-computer-keyboard', '');
  if (q.get('backend') !== 'auto') el.setAttribute('backend', q.get('backend')!);
  el.addEventListener('ready', () => {
    mark('ready');
    tap(el).catch((e) => state.errors.push(`tap: ${(e as Error).message}`));
  });
  el.addEventListener('bank-progress', (e) => {
    const { pitch } = (e as CustomEvent<{ pitch: number }>).detail;
    state.firstPitch ??= pitch;
    state.notesDone++;
    mark('firstNote');
    if (pitch === PITCH) mark('note60');
  });
  el.addEventListener('bank-ready', () => mark('bank'));
  el.addEventListener('error', (e) => state.errors.push((e as unknown as CustomEvent<{ message: string }>).detail.message));
  el.setAttribute('model', new URL(q.get('model') ?? '/models/default/', location.href).href);
  document.body.append(el);
  mark('mounted');
  el.noteOn(PITCH, 100);
  const press = setInterval(() => {
    if (state.marks.audible !== undefined) clearInterval(press);
    else el.noteOn(PITCH, 100);
  }, PRESS_INTERVAL_MS);
}

const query = new URLSearchParams(location.search);
if (query.get('backend')) run(query);
