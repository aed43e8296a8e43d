/**
 * f0 estimation (YIN, de Cheveigné & Kawahara 2002) for tests and evaluation: "listening numerically".
 */

/**
 * Estimates the fundamental frequency of `samples[start, start + windowSamples)` in Hz, or 0 when no periodicity
 * under `threshold` is found. Searches periods for f0 in [minHz, maxHz].
 */
export function estimateF0Hz(
  samples: Float32Array,
  sampleRateHz: number,
  opts: { start?: number; windowSamples?: number; minHz?: number; maxHz?: number; threshold?: number } = {},
): number {
  const start = opts.start ?? 0;
  const minHz = opts.minHz ?? 27.5;
  const maxHz = opts.maxHz ?? 2000;
  const threshold = opts.threshold ?? 0.15;
  const maxLag = Math.min(Math.floor(sampleRateHz / minHz), Math.floor((samples.length - start) / 2));
  const minLag = Math.max(2, Math.floor(sampleRateHz / maxHz));
  const w = Math.min(opts.windowSamples ?? Math.max(2 * maxLag, 2048), samples.length - start - maxLag);
  if (w <= 0 || maxLag <= minLag) return 0;
  const d = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    let s = 0;
    for (let i = start; i < start + w; i++) {
      const diff = samples[i]! - samples[i + lag]!;
      s += diff * diff;
    }
    d[lag] = s;
  }
  // Cumulative mean normalised difference.
  const cmnd = new Float64Array(maxLag + 2);
  cmnd[0] = 1;
  let running = 0;
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    running += d[lag]!;
    cmnd[lag] = running > 0 ? (d[lag]! * lag) / running : 1;
  }
  let best = -1;
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (cmnd[lag]! < threshold) {
      while (lag + 1 <= maxLag && cmnd[lag + 1]! < cmnd[lag]!) lag++;
      best = lag;
      break;
    }
  }
  if (best < 0) return 0;
  // Parabolic interpolation around the minimum.
  const a = cmnd[best - 1]!;
  const b = cmnd[best]!;
  const c = cmnd[best + 1]!;
  const denom = a - 2 * b + c;
  const shift = denom !== 0 ? (0.5 * (a - c)) / denom : 0;
  return sampleRateHz / (best + shift);
}

/** MIDI pitch → Hz (A4 = 69 = 440 Hz). */
export function midiToHz(pitch: number): number {
  return 440 * 2 ** ((pitch - 69) / 12);
}

/** Hz → fractional MIDI pitch. */
export function hzToMidi(hz: number): number {
  return 69 + 12 * Math.log2(hz / 440);
}

/** Throws a RangeError unless `pitch` is a MIDI note number 0..127 (the element's and controller's API check). */
export function assertMidiPitch(pitch: number): void {
  if (!Number.isInteger(pitch) || pitch < 0 || pitch > 127) throw new RangeError(`pitch must be a MIDI note 0..127, got ${pitch}`);
}
