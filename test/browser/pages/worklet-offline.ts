/**
 * Page for worklet-offline.test.ts: renders a plan through the real `gansynth-voices` AudioWorklet (bundled from
 * src/worklet/processor.ts, served at /worklet/processor.js) in an OfflineAudioContext, with sine note buffers made
 * here. Exposes `window.renderWorkletPlan(plan)`; sets `window.workletPageReady`.
 */
import { findLoopRegion } from '../../../src/shared/loop.ts';
import {
  WORKLET_PROCESSOR_NAME,
  transferListOf,
  type FromWorklet,
  type ToWorklet,
  type VoiceConfig,
} from '../../../src/shared/protocol.ts';

/** What the test asks the page to render. */
export interface WorkletPlan {
  readonly sampleRateHz: number;
  readonly frames: number;
  readonly config: Partial<VoiceConfig>;
  /** One cosine note buffer per pitch (cos: the first sample is the peak, so an onset is visible on its frame). */
  readonly banks: readonly { pitch: number; hz: number; shared?: boolean }[];
  /** Timed events (noteOn/noteOff/pitchBend...), sent before rendering starts. */
  readonly events: readonly ToWorklet[];
}

/** What the page returns. */
export interface WorkletResult {
  readonly left: number[];
  readonly channelsIdentical: boolean;
  readonly crossOriginIsolated: boolean;
  readonly replies: FromWorklet[];
  /** The buffer of each pitch, as sent, for sample-exact comparisons. */
  readonly bankSamples: Record<number, number[]>;
}

declare global {
  interface Window {
    renderWorkletPlan(plan: WorkletPlan): Promise<WorkletResult>;
    workletPageReady: boolean;
  }
}

function cosineNote(hz: number, rateHz: number, durationSec: number): Float32Array {
  const n = Math.round(durationSec * rateHz);
  const fadeFrames = Math.round(0.5 * rateHz); // a model-like tail: the last 0.5 s fades out
  return Float32Array.from({ length: n }, (_, i) => 0.5 * Math.min(1, (n - i) / fadeFrames) * Math.cos((2 * Math.PI * hz * i) / rateHz));
}

window.renderWorkletPlan = async (plan: WorkletPlan): Promise<WorkletResult> => {
  const ctx = new OfflineAudioContext({ numberOfChannels: 2, length: plan.frames, sampleRate: plan.sampleRateHz });
  await ctx.audioWorklet.addModule('/worklet/processor.js');
  const node = new AudioWorkletNode(ctx, WORKLET_PROCESSOR_NAME, {
    numberOfInputs: 0,
    outputChannelCount: [2],
    processorOptions: { config: plan.config },
  });
  node.connect(ctx.destination);
  const replies: FromWorklet[] = [];
  let waiter: ((m: FromWorklet) => boolean) | null = null;
  let wake: () => void = () => {};
  node.port.onmessage = (ev: MessageEvent<FromWorklet>) => {
    replies.push(ev.data);
    if (waiter?.(ev.data)) wake();
  };
  const until = (pred: (m: FromWorklet) => boolean): Promise<void> =>
    replies.some(pred) ? Promise.resolve() : new Promise((ok) => ((waiter = pred), (wake = ok)));
  const send = (m: ToWorklet): void => node.port.postMessage(m, transferListOf(m));

  await until((m) => m.type === 'ready');
  const bankSamples: Record<number, number[]> = {};
  for (const [i, b] of plan.banks.entries()) {
    const samples = cosineNote(b.hz, plan.sampleRateHz, 4);
    bankSamples[b.pitch] = Array.from(samples.subarray(0, 4800));
    const loop = findLoopRegion(samples, plan.sampleRateHz);
    if (b.shared) {
      const buffer = new SharedArrayBuffer(samples.byteLength);
      new Float32Array(buffer).set(samples);
      send({ type: 'bankShared', pitch: b.pitch, bankId: i, buffer, byteOffset: 0, lengthFrames: samples.length, sampleRateHz: plan.sampleRateHz, loop });
    } else {
      send({ type: 'bank', pitch: b.pitch, bankId: i, samples, sampleRateHz: plan.sampleRateHz, loop });
      if (samples.length !== 0) throw new Error('the bank buffer was copied, not transferred');
    }
    await until((m) => (m.type === 'bankAccepted' && m.pitch === b.pitch) || m.type === 'error');
  }
  for (const e of plan.events) send(e);
  send({ type: 'getStats' }); // answered after every event above is queued (messages are handled in order)
  await until((m) => m.type === 'stats' || m.type === 'error');
  const rendered = await ctx.startRendering();
  const left = rendered.getChannelData(0);
  const right = rendered.getChannelData(1);
  return {
    left: Array.from(left),
    channelsIdentical: left.every((x, i) => x === right[i]),
    crossOriginIsolated: globalThis.crossOriginIsolated,
    replies,
    bankSamples,
  };
};
window.workletPageReady = true;
