/**
 * Note filters. GANSynth's subset of NSynth (the paper, and TFDS `nsynth/gansynth_subset` that Magenta's current
 * trainer reads): acoustic instruments (instrument_source 0) and MIDI pitches 24–84 inclusive.
 *
 * A quirk worth knowing: Magenta's older TFRecord reader (lib/datasets.py, NSynthTFRecordDataset) keeps
 * `instrument_source == 1` under the comment "Filter just acoustic instruments" — in NSynth 1 means electronic.
 * Its pitch counts (81,454 notes) belong to that electronic subset. We follow the paper and TFDS (source 0); pass
 * `sources: [1]` to reproduce the old reader.
 */
import { PITCH_MAX, PITCH_MIN } from 'gansynth-web/shared/constants';
import type { NsynthMeta } from './nsynth.ts';

/** Which notes to keep. */
export interface NoteFilterConfig {
  /** Lowest MIDI pitch kept (inclusive). */
  pitchMin: number;
  /** Highest MIDI pitch kept (inclusive). */
  pitchMax: number;
  /** instrument_source values kept (0 acoustic, 1 electronic, 2 synthetic); empty = all. */
  sources: readonly number[];
  /** instrument_family values kept; empty = all. */
  families: readonly number[];
  /** Velocities kept; empty = all. */
  velocities: readonly number[];
}

/** GANSynth's subset: acoustic, pitch 24–84. */
export const GANSYNTH_SUBSET: NoteFilterConfig = Object.freeze({
  pitchMin: PITCH_MIN,
  pitchMax: PITCH_MAX,
  sources: Object.freeze([0]),
  families: Object.freeze([]),
  velocities: Object.freeze([]),
});

/** Builds a metadata predicate from a (partial) filter config over {@link GANSYNTH_SUBSET}. */
export function makeNoteFilter(options: Partial<NoteFilterConfig> = {}): (m: NsynthMeta) => boolean {
  const c = { ...GANSYNTH_SUBSET, ...options };
  if (!Number.isInteger(c.pitchMin) || !Number.isInteger(c.pitchMax) || c.pitchMin > c.pitchMax) {
    throw new Error(`note filter: pitchMin..pitchMax must be integers with min <= max, got ${c.pitchMin}..${c.pitchMax}`);
  }
  const sources = new Set(c.sources);
  const families = new Set(c.families);
  const velocities = new Set(c.velocities);
  return (m) =>
    m.pitch >= c.pitchMin &&
    m.pitch <= c.pitchMax &&
    (sources.size === 0 || sources.has(m.instrument_source)) &&
    (families.size === 0 || families.has(m.instrument_family)) &&
    (velocities.size === 0 || velocities.has(m.velocity));
}
