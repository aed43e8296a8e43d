/**
 * Minimal PNG encoding (8-bit grayscale or RGB, zlib via node:zlib) and a spectrogram → image mapping, for the
 * trainer's HTML reports. No dependency beyond Node.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes `pixels` (row-major, `channels` = 1 gray or 3 RGB, 0–255) as a PNG file. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} bytes for ${width}×${height}×${channels}`);
  const raw = new Uint8Array(height * (1 + width * channels));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * channels)] = 0; // filter: none
    raw.set(pixels.subarray(y * width * channels, (y + 1) * width * channels), y * (1 + width * channels) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  const sig = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A [frames, bins] channel (row-major, e.g. channel 0 of GANSynth features) as an RGB image with time left→right
 * and frequency bottom→top, values mapped linearly from [lo, hi] through a dark-blue→yellow colour map.
 */
export function spectrogramPng(values: ArrayLike<number>, frames: number, bins: number, stride = 1, lo = -1, hi = 1): Uint8Array {
  const w = frames;
  const h = Math.ceil(bins / stride);
  const px = new Uint8Array(w * h * 3);
  for (let t = 0; t < frames; t++) {
    for (let yb = 0; yb < h; yb++) {
      const f = yb * stride;
      const x = Math.max(0, Math.min(1, (values[(t * bins + f) * 1]! - lo) / (hi - lo)));
      const row = h - 1 - yb;
      const o = (row * w + t) * 3;
      px[o] = Math.round(255 * Math.min(1, 1.8 * x * x));
      px[o + 1] = Math.round(255 * x);
      px[o + 2] = Math.round(255 * (0.35 + 0.4 * x - 0.75 * x * x > 0 ? 0.35 + 0.4 * x - 0.75 * x * x : 0));
    }
  }
  return encodePng(px, w, h, 3);
}
