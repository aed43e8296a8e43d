/**
 * `<gansynth-status-line>`: what the instrument is doing: the tfjs backend, bank readiness (n/61), the model
 * (and whether it is untrained), MIDI, the latency a player hears, and the last error in full (never swallowed).
 */
import { LitElement, css, html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import type { PlayingLatency } from './midi-clock.ts';
import { defineElement } from './define-element.ts';

/**
 * @csspart backend
 * @csspart bank
 * @csspart model
 * @csspart phase
 * @csspart notice
 * @csspart latency
 * @csspart error
 * @tagname gansynth-status-line
 */
@defineElement('gansynth-status-line')
export class StatusLine extends LitElement {
  static override styles = css`
    :host { display: flex; flex-wrap: wrap; gap: 4px 14px; font: 12px ui-monospace, monospace; color: #333; }
    .warn { color: #a15c00; }
    .error { color: #b00020; flex-basis: 100%; white-space: pre-wrap; }
    .notice { flex-basis: 100%; }
    progress { width: 80px; height: 0.8em; vertical-align: middle; }
  `;

  /** tfjs backend rendering the notes ('webgpu', 'webgl', 'wasm', 'cpu'); empty while loading. */
  @property() backend = '';
  /** Why the backend was chosen (a tooltip and a short suffix). */
  @property() backendReason = '';
  /** A warning that is not an error: e.g. why the model playing is a fallback. */
  @property() notice = '';
  @property({ type: Number }) bankDone = 0;
  @property({ type: Number }) bankTotal = 0;
  @property() modelName = '';
  /** True when the model's weights were never trained (its sounds are noise-like). */
  @property({ type: Boolean }) untrained = false;
  /** Free text, e.g. 'loading model…'. */
  @property() phase = '';
  @property() midi = '';
  /** Key to sound, by cause (absent before audio runs). */
  @property({ attribute: false }) latency: PlayingLatency | undefined;
  @property() error = '';

  override render() {
    return html`
      <span part="backend" title=${this.backendReason}>backend: ${this.backend || '…'}${this.backendReason ? ` (${this.backendReason})` : ''}</span>
      <span part="bank">bank: ${this.bankDone}/${this.bankTotal}
        <progress max=${this.bankTotal || 1} .value=${this.bankDone}></progress></span>
      <span part="model">model: ${this.modelName || '…'}${this.untrained
        ? html` <span class="warn">(untrained model: noise-like timbres until a trained model lands)</span>` : nothing}</span>
      ${this.phase ? html`<span part="phase">${this.phase}</span>` : nothing}
      ${this.notice ? html`<span part="notice" class="warn notice" role="status">${this.notice}</span>` : nothing}
      ${this.midi ? html`<span>MIDI: ${this.midi}</span>` : nothing}
      ${this.latency ? html`<span part="latency" title=${latencyTitle(this.latency)}>latency: ${this.latency.totalMs.toFixed(1)} ms</span>` : nothing}
      ${this.error ? html`<span part="error" class="error" role="alert">error: ${this.error}</span>` : nothing}
    `;
  }
}

function latencyTitle(l: PlayingLatency): string {
  return `audio context ${l.baseMs.toFixed(1)} ms + output device ${l.outputMs.toFixed(1)} ms + MIDI budget ${l.midiMs.toFixed(0)} ms`;
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-status-line': StatusLine;
  }
}
