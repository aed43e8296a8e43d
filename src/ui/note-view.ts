/**
 * `<gansynth-note-view>`: the waveform (top) and a log-magnitude spectrogram (bottom) of one rendered note, drawn
 * on a canvas. The demo shows the last note played with it.
 */
import { LitElement, css, html } from 'lit';
import { property, query } from 'lit/decorators.js';
import { defineElement } from './define-element.ts';

/** In-place radix-2 FFT of (re, im); length must be a power of two. */
export function fftInPlace(re: Float32Array, im: Float32Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

/**
 * Magnitude spectrogram in dB: `columns` Hann-windowed frames of `fftSize` spread over the signal;
 * returns [columns][fftSize/2] values.
 */
export function spectrogramDb(samples: Float32Array, columns: number, fftSize = 1024): Float32Array[] {
  const out: Float32Array[] = [];
  const re = new Float32Array(fftSize);
  const im = new Float32Array(fftSize);
  const hop = Math.max(1, (samples.length - fftSize) / Math.max(1, columns - 1));
  for (let c = 0; c < columns; c++) {
    const start = Math.floor(c * hop);
    for (let i = 0; i < fftSize; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / fftSize);
      re[i] = (samples[start + i] ?? 0) * w;
      im[i] = 0;
    }
    fftInPlace(re, im);
    const col = new Float32Array(fftSize / 2);
    for (let k = 0; k < fftSize / 2; k++) col[k] = 10 * Math.log10(re[k]! * re[k]! + im[k]! * im[k]! + 1e-12);
    out.push(col);
  }
  return out;
}

/** @csspart canvas
 * @tagname gansynth-note-view
 */
@defineElement('gansynth-note-view')
export class NoteView extends LitElement {
  static override styles = css`
    :host { display: block; }
    canvas { width: 100%; height: 100%; display: block; background: #111; border-radius: 4px; }
  `;

  /** The note's samples (mono). */
  @property({ attribute: false }) samples: Float32Array | undefined;
  @property({ type: Number }) sampleRateHz = 48000;
  /** Caption, e.g. "C4 · preset 2". */
  @property() caption = '';

  @query('canvas') private canvas!: HTMLCanvasElement;

  override render() {
    return html`<canvas part="canvas" width="720" height="240"></canvas>`;
  }

  override updated(): void {
    this.draw();
  }

  private draw(): void {
    const g = this.canvas?.getContext('2d');
    if (!g) return;
    const { width: w, height: h } = this.canvas;
    g.fillStyle = '#111';
    g.fillRect(0, 0, w, h);
    g.fillStyle = '#aaa';
    g.font = '12px sans-serif';
    const s = this.samples;
    if (!s || s.length === 0) {
      g.fillText('play a note to see it here', 10, 20);
      return;
    }
    const waveH = Math.round(h * 0.35);
    let peak = 1e-9;
    for (let i = 0; i < s.length; i++) peak = Math.max(peak, Math.abs(s[i]!));
    g.strokeStyle = '#6cf';
    g.beginPath();
    for (let x = 0; x < w; x++) {
      // Min/max per pixel column, so a dense signal reads as an envelope.
      const a = Math.floor((x * s.length) / w);
      const b = Math.max(a + 1, Math.floor(((x + 1) * s.length) / w));
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = a; i < b; i++) {
        lo = Math.min(lo, s[i]!);
        hi = Math.max(hi, s[i]!);
      }
      g.moveTo(x + 0.5, waveH / 2 - (hi / peak) * (waveH / 2 - 2));
      g.lineTo(x + 0.5, waveH / 2 - (lo / peak) * (waveH / 2 - 2) + 1);
    }
    g.stroke();
    // Spectrogram up to 8 kHz (the model's Nyquist), log magnitude, 60 dB range.
    const cols = Math.min(240, w);
    const spec = spectrogramDb(s, cols);
    const bins = spec[0]!.length;
    const maxBin = Math.min(bins, Math.ceil((8000 / (this.sampleRateHz / 2)) * bins));
    let top = -Infinity;
    for (const col of spec) for (let k = 0; k < maxBin; k++) top = Math.max(top, col[k]!);
    const specH = h - waveH;
    const img = g.createImageData(cols, specH);
    for (let x = 0; x < cols; x++) {
      for (let y = 0; y < specH; y++) {
        const k = Math.floor(((specH - 1 - y) / specH) * maxBin);
        const v = Math.min(1, Math.max(0, (spec[x]![k]! - top + 60) / 60));
        const o = 4 * (y * cols + x);
        img.data[o] = 255 * Math.min(1, v * 1.6);
        img.data[o + 1] = 255 * Math.max(0, v * 1.4 - 0.4);
        img.data[o + 2] = 255 * Math.max(0, 0.5 - Math.abs(v - 0.3)) * 1.2;
        img.data[o + 3] = 255;
      }
    }
    // Scale the spectrogram columns to the full width.
    const tmp = document.createElement('canvas');
    tmp.width = cols;
    tmp.height = specH;
    tmp.getContext('2d')!.putImageData(img, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(tmp, 0, waveH, w, specH);
    g.fillStyle = '#ddd';
    g.fillText(`${this.caption}  ${(s.length / this.sampleRateHz).toFixed(2)} s · 0–8 kHz`, 8, 14);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-note-view': NoteView;
  }
}
