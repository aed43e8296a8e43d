/**
 * worker_threads entry of the SoundFont dataset renderer: renders notes it is sent and posts back 16-bit WAV bytes
 * (transferred) and the peak level. One note per message keeps the pool's load balanced and the output independent
 * of which worker rendered what (every note gets a fresh synthesizer).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { renderSoundfontNote } from './soundfont.ts';
import { encodeWav } from 'gansynth-web/shared/wav';
import type { RenderJob, RenderResult } from './soundfont-dataset.ts';

const { soundfont, heldSec, releaseSec, sampleRateHz } = workerData as { soundfont: string; heldSec: number; releaseSec: number; sampleRateHz: number };

parentPort!.on('message', async (job: RenderJob) => {
  try {
    const audio = await renderSoundfontNote({ soundfont, program: job.program, bank: job.bank, pitch: job.pitch, velocity: job.velocity, heldSec, releaseSec, sampleRateHz });
    let peak = 0;
    for (let i = 0; i < audio.length; i++) peak = Math.max(peak, Math.abs(audio[i]));
    const wav = encodeWav([audio], sampleRateHz, 'pcm16');
    const result: RenderResult = { index: job.index, wav, peak };
    parentPort!.postMessage(result, [wav.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ index: job.index, error: (e as Error).message } satisfies RenderResult);
  }
});
