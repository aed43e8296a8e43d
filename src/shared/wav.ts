/**
 * RIFF/WAVE encode and decode (PCM 16/24/32-bit integer, 32-bit float), pure TS: used by the Node CLIs,
 * the trainer's datasets and the browser's WAV download.
 */

/** Decoded audio: one Float32Array per channel in [-1, 1]. */
export interface DecodedWav {
  readonly sampleRateHz: number;
  readonly channels: Float32Array[];
}

/** Sample formats `encodeWav` writes. */
export type WavFormat = 'pcm16' | 'float32';

/**
 * Encodes channels (equal lengths) as a WAV file. pcm16 clips to [-1, 1] and rounds (no dither, so equal input
 * gives equal bytes).
 */
export function encodeWav(channels: readonly Float32Array[], sampleRateHz: number, format: WavFormat = 'pcm16'): Uint8Array {
  if (channels.length === 0) throw new Error('encodeWav: no channels');
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new Error('encodeWav: channels differ in length');
  if (!Number.isInteger(sampleRateHz) || sampleRateHz <= 0) throw new Error(`encodeWav: bad sample rate ${sampleRateHz}`);
  const bytesPerSample = format === 'pcm16' ? 2 : 4;
  const nch = channels.length;
  const dataBytes = frames * nch * bytesPerSample;
  const buf = new ArrayBuffer(44 + dataBytes);
  const v = new DataView(buf);
  const str = (o: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i));
  };
  str(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format === 'pcm16' ? 1 : 3, true);
  v.setUint16(22, nch, true);
  v.setUint32(24, sampleRateHz, true);
  v.setUint32(28, sampleRateHz * nch * bytesPerSample, true);
  v.setUint16(32, nch * bytesPerSample, true);
  v.setUint16(34, bytesPerSample * 8, true);
  str(36, 'data');
  v.setUint32(40, dataBytes, true);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = channels[c]![i]!;
      if (format === 'pcm16') {
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
