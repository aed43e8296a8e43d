/**
 * The Node mixer of MIDI renders: the worklet's own VoiceEngine (src/worklet/voice-engine.ts), driven quantum by
 * quantum exactly as the AudioWorklet drives it, with messages delivered at the same stretch boundaries as the
 * browser's OfflineAudioContext driver (src/ui/midi-offline.ts). So `gansynth render` sounds like the instrument.
 */
import type { FromWorklet, ToWorklet } from '../shared/protocol.ts';
import { VoiceEngine } from '../worklet/voice-engine.ts';
import type { MixInput, ScheduledMessage } from '../midi/types.ts';
import { QUANTUM_FRAMES, stretchesOf } from '../midi/midi-schedule.ts';

/** Plays `input.schedule` through a VoiceEngine; resolves with the raw mono mix. Throws on any engine error. */
export async function mixWithVoiceEngine(input: MixInput): Promise<Float32Array> {
  const errors: string[] = [];
  const engine = new VoiceEngine(input.sampleRateHz, (m: FromWorklet) => {
    if (m.type === 'error') errors.push(`${m.cause ?? 'message'}: ${m.message}`);
  }, input.voiceConfig);
  const toMessage = async (m: ScheduledMessage['message']): Promise<ToWorklet> => {
    if (m.type !== 'bank') return m;
    const { samples, loop } = await input.source.get(m.renderIndex);
    // Not transferred in Node: the engine keeps a reference (safe: nothing writes the buffers); the source lets
    // go after the last use, so the buffer lives only as long as the engine's bank slot and voices need it.
    if (m.lastUse) input.source.release(m.renderIndex);
    return { type: 'bank', pitch: m.pitch, bankId: m.bankId, samples, sampleRateHz: input.buffersRateHz, loop };
  };
  const out = new Float32Array(input.lengthFrames);
  const quantum = new Float32Array(QUANTUM_FRAMES);
  const stretches = stretchesOf(input.schedule);
  let frame = 0;
  let next = 0;
  const totalQuanta = Math.ceil(input.lengthFrames / QUANTUM_FRAMES);
  const reportEvery = Math.max(1, Math.floor(totalQuanta / 100));
  for (let q = 0; q < totalQuanta; q++, frame += QUANTUM_FRAMES) {
    while (next < stretches.length && stretches[next]!.startFrame <= frame) {
      for (const { message } of stretches[next]!.items) engine.handleMessage(await toMessage(message));
      next++;
    }
    if (errors.length > 0) throw new Error(`the voice engine rejected messages: ${errors.slice(0, 3).join('; ')}`);
    engine.process([quantum], frame);
    out.set(quantum.subarray(0, Math.min(QUANTUM_FRAMES, input.lengthFrames - frame)), frame);
    if (q % reportEvery === 0) input.onProgress?.(q / totalQuanta);
  }
  input.onProgress?.(1);
  return out;
}
