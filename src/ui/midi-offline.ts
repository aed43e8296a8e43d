/**
 * Plays a MIDI render's message schedule (src/engine/midi-render.ts `scheduleMessages`) through the real voice
 * worklet in an OfflineAudioContext, so the file sounds exactly like the instrument played live.
 *
 * The protocol's `bank` message applies on arrival (to new notes), note events at their frame. So the driver
 * suspends the context at the quantum of every bank change, posts that stretch's messages, waits for a `stats`
 * reply (port messages are ordered: every earlier message has been handled) and resumes (stretches of
 * src/engine/midi-schedule.ts, the same the Node driver uses).
 */
import type { LoopRegion, FromWorklet, ToWorklet, VoiceConfig } from '../shared/protocol.ts';
import { WORKLET_PROCESSOR_NAME, transferListOf } from '../shared/protocol.ts';
import { stretchesOf, type ScheduledMessage } from '../engine/midi-schedule.ts';

/** Input of `renderScheduleOffline`. */
export interface OfflineRenderInput {
  readonly schedule: readonly ScheduledMessage[];
  /** Note buffers by render index, at `buffersRateHz`. */
  readonly buffers: readonly Float32Array[];
  readonly buffersRateHz: number;
  readonly loops: readonly LoopRegion[];
  readonly sampleRateHz: number;
  readonly lengthFrames: number;
  /** URL of dist/worklet/processor.js. */
  readonly processorUrl: string | URL;
  readonly voiceConfig?: Partial<VoiceConfig>;
  /** 0..1 as the offline render proceeds. */
  readonly onProgress?: (fraction: number) => void;
}

/** Renders the schedule through the worklet; resolves with the mono mix (raw, no gain applied). */
export async function renderScheduleOffline(input: OfflineRenderInput): Promise<Float32Array> {
  const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: input.lengthFrames, sampleRate: input.sampleRateHz });
  await ctx.audioWorklet.addModule(input.processorUrl);
  const node = new AudioWorkletNode(ctx, WORKLET_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1 });
  node.connect(ctx.destination);
  const errors: string[] = [];
  let waiting: ((m: FromWorklet) => void) | null = null;
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  node.port.onmessage = (ev: MessageEvent<FromWorklet>) => {
    const m = ev.data;
    if (m.type === 'ready') ready();
    if (m.type === 'error') errors.push(m.message);
    if (m.type === 'stats' && waiting) {
      const w = waiting;
      waiting = null;
      w(m);
    }
  };
  const post = (m: ToWorklet) => node.port.postMessage(m, transferListOf(m));
  const flush = () => new Promise<FromWorklet>((resolve) => {
    waiting = resolve;
    post({ type: 'getStats' });
  });
  const shared = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
  // One SharedArrayBuffer per render when isolated: a note repeated 100 times costs no copies.
  const sharedBuffers = new Map<number, SharedArrayBuffer>();
  const bankMessage = (m: Extract<ScheduledMessage['message'], { type: 'bank' }>): ToWorklet => {
    const src = input.buffers[m.renderIndex];
    if (!src) throw new Error(`no buffer for render ${m.renderIndex}`);
    if (shared) {
      let sab = sharedBuffers.get(m.renderIndex);
      if (!sab) {
        sab = new SharedArrayBuffer(src.length * 4);
        new Float32Array(sab).set(src);
        sharedBuffers.set(m.renderIndex, sab);
      }
      return { type: 'bankShared', pitch: m.pitch, bankId: m.bankId, buffer: sab, byteOffset: 0, lengthFrames: src.length, sampleRateHz: input.buffersRateHz, loop: m.loop };
    }
    return { type: 'bank', pitch: m.pitch, bankId: m.bankId, samples: src.slice(), sampleRateHz: input.buffersRateHz, loop: m.loop };
  };
  const send = (items: readonly ScheduledMessage[]) => {
    for (const { message: m } of items) post(m.type === 'bank' ? bankMessage(m) : m);
  };

  await readyPromise;
  if (input.voiceConfig) post({ type: 'config', config: input.voiceConfig });
  const stretches = stretchesOf(input.schedule);
  send(stretches[0]!.items);
  await flush();
  for (let i = 1; i < stretches.length; i++) {
    const s = stretches[i]!;
    const timeSec = s.startFrame / input.sampleRateHz;
    if (s.startFrame >= input.lengthFrames) break;
    void ctx.suspend(timeSec).then(async () => {
      send(s.items);
      await flush();
      input.onProgress?.(s.startFrame / input.lengthFrames);
      await ctx.resume();
    });
  }
  const rendered = await ctx.startRendering();
  if (errors.length > 0) throw new Error(`the voice worklet rejected messages: ${errors.slice(0, 3).join('; ')}`);
  input.onProgress?.(1);
  return rendered.getChannelData(0).slice();
}
