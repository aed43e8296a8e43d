/**
 * `<gansynth-morph-xy-pad>`: a square over four corner presets; where the puck sits is the sound (the instrument
 * interpolates the corners' latents: src/engine/latent.ts `interpolateLatentsXY`). Played with mouse, pen or touch
 * (Pointer Events with pointer capture: the drag follows outside the pad, one pointer at a time) and with the
 * arrow keys when focused (Shift: ten times the step). A select at each corner picks its preset from the bank.
 */
import { LitElement, css, html } from 'lit';
import { property } from 'lit/decorators.js';
import type { PadCorners } from './preset-bank.ts';
import { defineElement } from './define-element.ts';

/** `morph-xy-input` detail: x right, y up, each in [0, 1]. */
export interface XYDetail {
  readonly x: number;
  readonly y: number;
}

/** Arrow-key step (Shift: ×10). */
const KEY_STEP = 0.01;
/** Corner order of `corners`, as placed on screen (y up: the first two are the bottom row). */
const CORNER_NAMES = ['bottom left', 'bottom right', 'top left', 'top right'];

/**
 * @fires morph-xy-input - {@link XYDetail}, on every movement (the instrument bounds the render rate)
 * @fires corner-change - `{corner, index}`: corner 0..3 (bottom left, bottom right, top left, top right) now plays preset `index`
 * @csspart pad - the square (focusable: arrow keys)
 * @csspart puck - the position
 * @csspart corner - a corner's preset select
 * @tagname gansynth-morph-xy-pad
 */
@defineElement('gansynth-morph-xy-pad')
export class MorphXYPad extends LitElement {
  static override styles = css`
    :host { display: inline-grid; grid-template-columns: auto auto; gap: 2px 8px; font: 12px system-ui, sans-serif; }
    .pad { grid-column: 1 / 3; position: relative; width: 180px; height: 180px; box-sizing: border-box; border: 1px solid #888;
      border-radius: 6px; background: linear-gradient(135deg, #eef3ff, #fff4e8); touch-action: none; user-select: none; cursor: crosshair; }
    .pad:focus-visible { outline: 2px solid #2d6cdf; outline-offset: 2px; }
    .pad.inactive .puck { background: #999; }
    .puck { position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; border-radius: 50%; background: #2d6cdf;
      box-shadow: 0 0 0 2px #fff; pointer-events: none; }
    select { font: inherit; max-width: 90px; }
    .right { justify-self: end; }
  `;

  /** The bank's preset names (the corner selects list them). */
  @property({ attribute: false }) labels: readonly string[] = [];
  /** Preset indices at the corners: bottom left, bottom right, top left, top right. */
  @property({ attribute: false }) corners: PadCorners = [0, 1, 2, 3];
  @property({ type: Number }) x = 0;
  @property({ type: Number }) y = 0;
  /** False while the slider's morph sounds rather than the pad's (the puck is greyed). */
  @property({ type: Boolean }) active = false;
  /** True while the instrument renders the morphed sound. */
  @property({ type: Boolean }) busy = false;

  /** The pointer dragging the puck, if any (a second finger is ignored until it lifts). */
  private dragging: number | undefined;

  override render() {
    const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
    const select = (corner: number, cls = '') => html`<select part="corner" class=${cls} aria-label="${CORNER_NAMES[corner]} preset"
      @change=${(e: Event) => this.fire('corner-change', { corner, index: Number((e.target as HTMLSelectElement).value) })}>
      ${this.labels.map((l, i) => html`<option value=${i} ?selected=${this.corners[corner] === i}>${l}</option>`)}</select>`;
    return html`
      ${select(2)}${select(3, 'right')}
      <div part="pad" class="pad ${this.active ? '' : 'inactive'}" tabindex="0" role="slider" aria-roledescription="XY morph pad"
        aria-label="morph between the corner presets" aria-valuemin="0" aria-valuemax="1" aria-valuenow=${this.x.toFixed(2)}
        aria-valuetext="x ${this.x.toFixed(2)}, y ${this.y.toFixed(2)}" style=${this.busy ? 'cursor:progress' : ''}
        @pointerdown=${this.onDown} @pointermove=${this.onMove} @pointerup=${this.onUp} @pointercancel=${this.onUp}
        @lostpointercapture=${this.onUp} @keydown=${this.onKey}>
        <div part="puck" class="puck" style="left:${pct(this.x)};top:${pct(1 - this.y)}"></div>
      </div>
      ${select(0)}${select(1, 'right')}
    `;
  }

  private readonly onDown = (e: PointerEvent): void => {
    if (this.dragging !== undefined || e.button > 0) return;
    e.preventDefault();
    const pad = e.currentTarget as HTMLElement;
    pad.focus();
    // Capture: the drag keeps following when the pointer leaves the pad, and the release arrives.
    pad.setPointerCapture?.(e.pointerId);
    this.dragging = e.pointerId;
    this.moveTo(e, pad);
  };

  private readonly onMove = (e: PointerEvent): void => {
    if (e.pointerId === this.dragging) this.moveTo(e, e.currentTarget as HTMLElement);
  };

  private readonly onUp = (e: PointerEvent): void => {
    if (e.pointerId === this.dragging) this.dragging = undefined;
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    const step = e.shiftKey ? 10 * KEY_STEP : KEY_STEP;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
    if (!d) return;
    e.preventDefault();
    this.set(this.x + d[0]!, this.y + d[1]!);
  };

  private moveTo(e: PointerEvent, pad: HTMLElement): void {
    const r = pad.getBoundingClientRect();
    this.set((e.clientX - r.left) / r.width, 1 - (e.clientY - r.top) / r.height);
  }

  private set(x: number, y: number): void {
    const clamp = (v: number) => Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));
    this.x = clamp(x);
    this.y = clamp(y);
    this.fire<XYDetail>('morph-xy-input', { x: this.x, y: this.y });
  }

  private fire<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-morph-xy-pad': MorphXYPad;
  }
}
