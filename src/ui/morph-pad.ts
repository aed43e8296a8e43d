/**
 * `<gansynth-morph-pad>`: a slider along the bank's presets. Position 0 is the first preset, 1 the last, the
 * presets equally spaced in between; the instrument interpolates their latents (slerp) and re-renders.
 */
import { LitElement, css, html } from 'lit';
import { property } from 'lit/decorators.js';
import { defineElement } from './define-element.ts';

/**
 * @fires morph-input - `{position}` in [0, 1], on every movement (the instrument debounces rendering)
 * @csspart track - the range input
 * @tagname gansynth-morph-pad
 */
@defineElement('gansynth-morph-pad')
export class MorphPad extends LitElement {
  static override styles = css`
    :host { display: block; font: 12px system-ui, sans-serif; }
    input { width: 100%; margin: 0; }
    .labels { position: relative; height: 1.4em; color: #555; }
    .labels span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
    .labels span:first-child { transform: none; }
    .labels span:last-child:not(:first-child) { transform: translateX(-100%); }
  `;

  /** The waypoints' names, in order. */
  @property({ attribute: false }) labels: readonly string[] = [];
  /** Position in [0, 1]. */
  @property({ type: Number }) position = 0;
  /** True while the instrument renders the morphed sound (shown as busy). */
  @property({ type: Boolean }) busy = false;

  override render() {
    const n = this.labels.length;
    return html`
      <input part="track" type="range" min="0" max="1" step="0.001" aria-label="morph between presets"
        .value=${String(this.position)} ?disabled=${n < 2} style=${this.busy ? 'cursor:progress' : ''}
        @input=${this.onInput}>
      <div class="labels">${this.labels.map((l, i) => html`<span style="left:${n > 1 ? (100 * i) / (n - 1) : 0}%">${l}</span>`)}</div>
    `;
  }

  private readonly onInput = (e: Event): void => {
    this.position = Number((e.target as HTMLInputElement).value);
    this.dispatchEvent(new CustomEvent('morph-input', { detail: { position: this.position }, bubbles: true, composed: true }));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-morph-pad': MorphPad;
  }
}
