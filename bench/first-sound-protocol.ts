/**
 * What the first-sound bench's page, Worker and Node side share: the channel the Worker reports on and the shapes
 * of its reports and of the page's record. Types and one constant only (the page must not run the Worker's code).
 */

/** Name of the channel the bench Worker reports on. */
export const FIRST_SOUND_CHANNEL = 'gsw-first-sound';

/** What the bench Worker reports (times: ms since the epoch, performance.timeOrigin + now()). */
export type FirstSoundWorkerReport =
  | { type: 'selected'; startEpochMs: number; endEpochMs: number; backend: string; reason: string; threads?: number }
  | { type: 'select-failed'; message: string }
  | { type: 'worker-ready'; epochMs: number };

/** What the page records, read by bench/first-sound.bench.ts. */
export interface FirstSoundState {
  /** ms since navigation start of each stage that happened. */
  marks: Partial<Record<'mounted' | 'selectStart' | 'selectEnd' | 'workerReady' | 'ready' | 'firstNote' | 'note60' | 'audible' | 'bank', number>>;
  backend: string;
  reason: string;
  threads?: number;
  /** The first pitch the bank delivered (60 when noteOn(60) is prioritised). */
  firstPitch?: number;
  notesDone: number;
  sampleRateHz?: number;
  errors: string[];
}
