/**
 * Self-made report assets (no canvas, no image library): an 8-bit grayscale PNG encoder (node:zlib deflate +
 * CRC-32) for spectrogram images, and inline SVG line plots for the metrics log.
 */
import { deflateSync } from 'node:zlib';
import { concatBytes } from 'gansynth-web/shared/bytes';

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
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** PNG of `gray` (row-major, `width`·`height` bytes, 0 = black). */
export function encodeGrayPng(gray: Uint8Array, width: number, height: number): Uint8Array {
  if (gray.length !== width * height) throw new Error(`encodeGrayPng: ${gray.length} bytes for ${width}×${height}`);
  const raw = new Uint8Array((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1); // filter 0
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, deflate, no filter method, no interlace
  return concatBytes([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/**
 * One channel of a [frames, bins, colors] feature image as a spectrogram picture: time left→right, frequency
 * bottom→top, values in [-1, 1] mapped to black→white; bins averaged in groups of `binsPerRow`.
 */
export function spectrogramPng(features: Float32Array, frames: number, bins: number, colors: number, channel: number, binsPerRow = 4): Uint8Array {
  const height = Math.floor(bins / binsPerRow);
  const gray = new Uint8Array(frames * height);
  for (let row = 0; row < height; row++) {
    for (let t = 0; t < frames; t++) {
      let s = 0;
      for (let k = 0; k < binsPerRow; k++) s += features[(t * bins + row * binsPerRow + k) * colors + channel]!;
      const v = s / binsPerRow;
      gray[(height - 1 - row) * frames + t] = Math.round(Math.max(0, Math.min(1, (v + 1) / 2)) * 255);
    }
  }
  return encodeGrayPng(gray, frames, height);
}

/** A series for `svgPlot`. */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An inline SVG line plot of `series` over a shared x axis (non-finite points skipped). */
export function svgPlot(title: string, xLabel: string, series: Series[], width = 560, height = 220): string {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return `<figure><figcaption>${esc(title)}: no data</figcaption></figure>`;
  const [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const m = { l: 56, r: 10, t: 10, b: 30 };
  const sx = (x: number) => m.l + ((x - x0) / Math.max(1e-12, x1 - x0)) * (width - m.l - m.r);
  const sy = (y: number) => height - m.b - ((y - y0) / (y1 - y0)) * (height - m.t - m.b);
  const lines = series.map((s) => {
    const d = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.2"/>`;
  }).join('');
  const legend = series.map((s, i) => `<text x="${m.l + 8 + i * 130}" y="${m.t + 12}" fill="${s.color}" font-size="11">${esc(s.label)}</text>`).join('');
  const fmt = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(3));
  return `<figure><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`
    + `<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="#fafafa" stroke="#ccc"/>`
    + `<text x="4" y="${m.t + 10}" font-size="10">${fmt(y1)}</text><text x="4" y="${height - m.b}" font-size="10">${fmt(y0)}</text>`
    + `<text x="${m.l}" y="${height - 8}" font-size="10">${fmt(x0)}</text><text x="${width - m.r - 60}" y="${height - 8}" font-size="10">${fmt(x1)} ${esc(xLabel)}</text>`
    + lines + legend + '</svg></figure>';
}

/** At most `max` evenly spaced elements of `items` (always keeps the last). */
export function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  const out = Array.from({ length: max - 1 }, (_, i) => items[Math.floor(i * step)]!);
  out.push(items[items.length - 1]!);
  return out;
}
