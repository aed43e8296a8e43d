/**
 * Note buffers for a MIDI mix, synthesised on demand in chunks as the mix reaches them and dropped after their
 * last use: a long piece holds only the renders around the play position, not all of them (a 60 s dense piece at
 * 48 kHz has ~1,900 distinct renders = 1.5 GB of buffers if held at once).
 */
import { findLoopRegion } from '../shared/loop.ts';
import type { NoteBuffer, NoteBufferSource, NoteRequest, NoteSynth } from './types.ts';
import { nowMs } from '../shared/clock.ts';

/**
 * Synthesises `requests` in order, `chunkSize` at a time, on demand. Requests must be listed in order of first
 * use (planMidiRender lists them so), so a chunk is what the mix needs next.
 */
export class StreamingNoteSource implements NoteBufferSource {
  private readonly buffers: (NoteBuffer | null | undefined)[];
  private next = 0;
  private synthMsTotal = 0;
  private liveCount = 0;
  private peakLive = 0;

  constructor(
    private readonly synth: NoteSynth,
    private readonly requests: readonly NoteRequest[],
    private readonly sampleRateHz: number,
    private readonly chunkSize: number,
    private readonly onNote?: (done: number, total: number) => void,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`chunkSize must be a positive integer, got ${chunkSize}`);
    this.buffers = new Array(requests.length);
  }

  /** Milliseconds spent synthesising (and finding loops) so far. */
  get synthMs(): number {
    return this.synthMsTotal;
  }

  /** Renders synthesised so far. */
  get rendered(): number {
    return this.next;
  }

  /** Most renders held at once. */
  get peakHeld(): number {
    return this.peakLive;
  }

  async get(renderIndex: number): Promise<NoteBuffer> {
    if (!(renderIndex >= 0 && renderIndex < this.requests.length)) throw new Error(`no render ${renderIndex} (${this.requests.length} planned)`);
    while (this.next <= renderIndex) await this.renderChunk(Math.max(renderIndex + 1, this.next + this.chunkSize));
    const b = this.buffers[renderIndex];
    if (b === null) throw new Error(`render ${renderIndex} was used after its release`);
    return b!;
  }

  release(renderIndex: number): void {
    if (this.buffers[renderIndex]) this.liveCount--;
    this.buffers[renderIndex] = null;
  }

  private async renderChunk(end: number): Promise<void> {
    const from = this.next;
    const to = Math.min(end, this.requests.length);
    const t0 = nowMs();
    const out = await this.synth.renderNotes(this.requests.slice(from, to), this.sampleRateHz, (done) => this.onNote?.(from + done, this.requests.length));
    if (out.length !== to - from) throw new Error(`the synth returned ${out.length} notes for ${to - from} requests`);
    out.forEach((samples, i) => {
      this.buffers[from + i] = { samples, loop: findLoopRegion(samples, this.sampleRateHz) };
    });
    this.liveCount += out.length;
    this.peakLive = Math.max(this.peakLive, this.liveCount);
    this.next = to;
    this.synthMsTotal += nowMs() - t0;
  }
}
