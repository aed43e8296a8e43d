/**
 * RIFF/WAVE encode and decode (PCM 16/24/32-bit integer, 32-bit float), pure TS: used by the Node CLIs,
 * the trainer's datasets and the browser's WAV download.
 */

/** Decoded audio: one Float32Array per channel in [-1, 1]. */
export interface DecodedWav {
  readonly sampleRateHz: number;
  readonly channels: Float32Array[];
}

/** Sample formats `encodeWav` writes: 16-bit PCM, or 32-bit IEEE float (WAVE_FORMAT_IEEE_FLOAT, format tag 3). */
export type WavFormat = 'pcm16' | 'float32';

/**
 * Encodes channels (equal lengths) as a WAV file, each sample multiplied by `gainLinear` first. pcm16 clips to
 * [-1, 1] and rounds (no dither, so equal input gives equal bytes); float32 keeps every value, including those
 * beyond full scale. The float header is the one scipy's wavfile.write (so Magenta's gansynth_generate) writes:
 * an 18-byte fmt chunk (cbSize 0) and a fact chunk, as the RIFF spec asks of non-PCM data.
 */
export function encodeWav(channels: readonly Float32Array[], sampleRateHz: number, format: WavFormat = 'pcm16', gainLinear = 1): Uint8Array {
  if (channels.length === 0) throw new Error('encodeWav: no channels');
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new Error('encodeWav: channels differ in length');
  if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0) throw new Error(`encodeWav: bad sample rate ${sampleRateHz}`);
  if (!Number.isFinite(gainLinear)) throw new Error(`encodeWav: bad gain ${gainLinear}`);
  const pcm = format === 'pcm16';
  const bytesPerSample = pcm ? 2 : 4;
  const nch = channels.length;
  const dataBytes = frames * nch * bytesPerSample;
  const fmtBytes = pcm ? 16 : 18;
  const factBytes = pcm ? 0 : 12;
  const headerBytes = 12 + 8 + fmtBytes + factBytes + 8;
  const buf = new ArrayBuffer(headerBytes + dataBytes);
  const v = new DataView(buf);
  const str = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i));
  };
  str(0, 'RIFF');
  v.setUint32(4, headerBytes - 8 + dataBytes, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, fmtBytes, true);
  v.setUint16(20, pcm ? 1 : 3, true);
  v.setUint16(22, nch, true);
  v.setUint32(24, sampleRateHz, true);
  v.setUint32(28, sampleRateHz * nch * bytesPerSample, true);
  v.setUint16(32, nch * bytesPerSample, true);
  v.setUint16(34, bytesPerSample * 8, true);
  let o = 20 + fmtBytes;
  if (!pcm) {
    v.setUint16(36, 0, true); // cbSize: no extension
    str(o, 'fact');
    v.setUint32(o + 4, 4, true);
    v.setUint32(o + 8, frames, true);
    o += 12;
  }
  str(o, 'data');
  v.setUint32(o + 4, dataBytes, true);
  o += 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = channels[c]![i]! * gainLinear;
      if (pcm) {
        const clipped = x > 1 ? 1 : x < -1 ? -1 : x;
        v.setInt16(o, Math.round(clipped * 32767), true);
        o += 2;
      } else {
        v.setFloat32(o, x, true);
        o += 4;
      }
    }
  }
  return new Uint8Array(buf);
}

/** How to set the level before encoding: peak-normalise to `peakDbfs`, or a fixed gain (`gainDb: 0` = raw). */
export type WavLevel = { readonly kind: 'peak'; readonly peakDbfs: number } | { readonly kind: 'fixed'; readonly gainDb: number };

/** What `levelWav` measured and chose. */
export interface WavLevelReport {
  /** Gain applied, dB (0 for silence under 'peak': silence stays silence). */
  readonly gainDb: number;
  /** The same as a factor. */
  readonly gainLinear: number;
  /** Peak after the gain, dBFS (-Infinity for silence). */
  readonly peakDbfs: number;
  /** Samples (all channels) beyond full scale after the gain, |x| > 1: pcm16 clips them, float32 keeps them. */
  readonly overSamples: number;
}

/** Measures `channels` and picks the gain for `level`; throws on NaN/Inf samples (there is no sane level). */
export function levelWav(channels: readonly Float32Array[], level: WavLevel): WavLevelReport {
  let rawPeak = 0;
  let sum = 0; // NaN or Inf anywhere makes the sum non-finite
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const a = Math.abs(ch[i]!);
      sum += a * 0;
      if (a > rawPeak) rawPeak = a;
    }
  }
  if (!Number.isFinite(sum) || !Number.isFinite(rawPeak)) throw new Error('the audio contains non-finite samples (NaN/Inf)');
  const gainLinear = level.kind === 'fixed' ? 10 ** (level.gainDb / 20) : rawPeak > 0 ? 10 ** (level.peakDbfs / 20) / rawPeak : 1;
  let overSamples = 0;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) if (Math.abs(ch[i]! * gainLinear) > 1) overSamples++;
  }
  const peak = rawPeak * gainLinear;
  return { gainDb: 20 * Math.log10(gainLinear), gainLinear, peakDbfs: peak > 0 ? 20 * Math.log10(peak) : -Infinity, overSamples };
}

/** `levelWav` then `encodeWav` with that gain: the bytes and what was done to the level. */
export function encodeLeveledWav(channels: readonly Float32Array[], sampleRateHz: number, format: WavFormat, level: WavLevel): { bytes: Uint8Array; report: WavLevelReport } {
  const report = levelWav(channels, level);
  return { bytes: encodeWav(channels, sampleRateHz, format, report.gainLinear), report };
}

/** Decodes a WAV file (PCM 8/16/24/32 or float 32/64, any channel count); throws naming what is wrong. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(v.getUint8(o), v.getUint8(o + 1), v.getUint8(o + 2), v.getUint8(o + 3));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('decodeWav: not a RIFF/WAVE file');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let o = 12;
  while (o + 8 <= bytes.byteLength) {
    const id = tag(o);
    const size = v.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      let format = v.getUint16(body, true);
      if (format === 0xfffe && size >= 26) format = v.getUint16(body + 24, true);
      fmt = { format, channels: v.getUint16(body + 2, true), rate: v.getUint32(body + 4, true), bits: v.getUint16(body + 14, true) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('decodeWav: data chunk before fmt chunk');
      const avail = Math.min(size, bytes.byteLength - body);
      const bps = fmt.bits / 8;
      const frames = Math.floor(avail / (bps * fmt.channels));
      const channels = Array.from({ length: fmt.channels }, () => new Float32Array(frames));
      let p = body;
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < fmt.channels; c++) {
          let x: number;
          if (fmt.format === 3) x = fmt.bits === 64 ? v.getFloat64(p, true) : v.getFloat32(p, true);
          else if (fmt.format !== 1) throw new Error(`decodeWav: unsupported format tag ${fmt.format}`);
          else if (fmt.bits === 16) x = v.getInt16(p, true) / 32768;
          else if (fmt.bits === 8) x = (v.getUint8(p) - 128) / 128;
          else if (fmt.bits === 24) x = ((v.getUint8(p) | (v.getUint8(p + 1) << 8) | (v.getInt8(p + 2) << 16)) / 8388608);
          else if (fmt.bits === 32) x = v.getInt32(p, true) / 2147483648;
          else throw new Error(`decodeWav: unsupported bit depth ${fmt.bits}`);
          channels[c]![i] = x;
          p += bps;
        }
      }
      return { sampleRateHz: fmt.rate, channels };
    }
    o = body + size + (size & 1);
  }
  throw new Error('decodeWav: no data chunk');
}
