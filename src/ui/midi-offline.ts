/**
 * Plays a MIDI render's message schedule (src/midi/midi-render.ts `scheduleMessages`) through the real voice
 * worklet in an OfflineAudioContext, so the file sounds exactly like the instrument played live.
 *
 * The protocol's `bank` message applies on arrival (to new notes), note events at their frame. So the driver
 * suspends the context at the quantum of every bank change, posts that stretch's messages, waits for a `stats`
 * reply (port messages are ordered: every earlier message has been handled) and resumes (stretches of
 * src/midi/midi-schedule.ts, the same the Node driver uses).
 */
import type { FromWorklet, ToWorklet } from '../shared/protocol.ts';
import type { MixInput, ScheduledMessage } from '../midi/types.ts';
import { WORKLET_PROCESSOR_NAME, transferListOf } from '../shared/protocol.ts';
import { stretchesOf } from '../midi/midi-schedule.ts';

/** Input of `renderScheduleOffline`: a MixInput plus the processor's URL. */
export interface OfflineRenderInput extends MixInput {
  /** URL of dist/worklet/processor.js. */
  readonly processorUrl: string | URL;
}

/** Renders the schedule through the worklet; resolves with the mono mix (raw, no gain applied). */
export async function renderScheduleOffline(input: OfflineRenderInput): Promise<Float32Array> {
  const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: input.lengthFrames, sampleRate: input.sampleRateHz });
  await ctx.audioWorklet.addModule(input.processorUrl);
  const node = new AudioWorkletNode(ctx, WORKLET_PROCESSOR_NAME, { numberOfInputs: 0, numberOfOutputs: 1 });
  node.connect(ctx.destination);
  const errors: string[] = [];
  let failure: Error | null = null;
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
  const bankMessage = async (m: Extract<ScheduledMessage['message'], { type: 'bank' }>): Promise<ToWorklet> => {
    const { samples, loop } = await input.source.get(m.renderIndex);
    if (m.lastUse) input.source.release(m.renderIndex);
    if (shared) {
      let sab = sharedBuffers.get(m.renderIndex);
      if (!sab) {
        sab = new SharedArrayBuffer(samples.length * 4);
        new Float32Array(sab).set(samples);
        sharedBuffers.set(m.renderIndex, sab);
      }
      if (m.lastUse) sharedBuffers.delete(m.renderIndex);
      return { type: 'bankShared', pitch: m.pitch, bankId: m.bankId, buffer: sab, byteOffset: 0, lengthFrames: samples.length, sampleRateHz: input.buffersRateHz, loop };
    }
    // The last use transfers the buffer itself; earlier uses send a copy (a transfer detaches the original).
    return { type: 'bank', pitch: m.pitch, bankId: m.bankId, samples: m.lastUse ? samples : samples.slice(), sampleRateHz: input.buffersRateHz, loop };
  };
  const send = async (items: readonly ScheduledMessage[]) => {
    for (const { message: m } of items) post(m.type === 'bank' ? await bankMessage(m) : m);
  };

  await readyPromise;
  if (input.voiceConfig) post({ type: 'config', config: input.voiceConfig });
  const stretches = stretchesOf(input.schedule);
  await send(stretches[0]!.items);
  await flush();
  for (let i = 1; i < stretches.length; i++) {
    const s = stretches[i]!;
    const timeSec = s.startFrame / input.sampleRateHz;
    if (s.startFrame >= input.lengthFrames) break;
    // While suspended, the next notes are synthesised (on demand) and their buffers posted.
    void ctx.suspend(timeSec).then(async () => {
      try {
        await send(s.items);
        await flush();
        input.onProgress?.(s.startFrame / input.lengthFrames);
      } catch (e) {
        failure ??= e instanceof Error ? e : new Error(String(e));
      }
      await ctx.resume();
    });
  }
  const rendered = await ctx.startRendering();
  if (failure) throw failure;
  if (errors.length > 0) throw new Error(`the voice worklet rejected messages: ${errors.slice(0, 3).join('; ')}`);
  input.onProgress?.(1);
  return rendered.getChannelData(0).slice();
}
