/**
 * `<gansynth-piano-keyboard>`: an on-screen keyboard played with mouse, pen or touch (pointer events, several
 * fingers at once, glissando by sliding). Shows held keys and which pitches of the bank are rendered.
 */
import { LitElement, css, html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { PITCH_MAX, PITCH_MIN } from '../shared/constants.ts';
import { defineElement } from './define-element.ts';

const BLACK = new Set([1, 3, 6, 8, 10]);
const NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];

/** True when `pitch` is a black key. */
export function isBlackKey(pitch: number): boolean {
  return BLACK.has(((pitch % 12) + 12) % 12);
}

/** Scientific pitch name, e.g. 60 → "C4". */
export function pitchName(pitch: number): string {
  return `${NAMES[((pitch % 12) + 12) % 12]}${Math.floor(pitch / 12) - 1}`;
}

/** Detail of `note-on`: `velocity` MIDI 1..127, from where the key was struck (lower on the key = louder). */
export interface KeyNoteOnDetail {
  readonly pitch: number;
  readonly velocity: number;
}

/**
 * @fires note-on - {@link KeyNoteOnDetail}
 * @fires note-off - `{pitch}`
 * @csspart key - every key; also `white`, `black`, `active`, `pending` (not yet rendered)
 * @tagname gansynth-piano-keyboard
 */
@defineElement('gansynth-piano-keyboard')
export class PianoKeyboard extends LitElement {
  static override styles = css`
    :host { display: block; height: 120px; touch-action: none; user-select: none; -webkit-user-select: none; }
    .keys { position: relative; display: flex; height: 100%; }
    .key { box-sizing: border-box; border: 1px solid #333; border-radius: 0 0 4px 4px; }
    .white { flex: 1 1 0; background: #f7f7f2; height: 100%; position: relative; }
    .black { position: absolute; top: 0; height: 62%; background: #222; z-index: 1; }
    .pending.white { background: #d9d6cc; }
    .pending.black { background: #555; }
    .active.white { background: #ffb347; }
    .active.black { background: #d9822b; }
    .label { position: absolute; bottom: 4px; width: 100%; text-align: center; font: 10px sans-serif; color: #666; pointer-events: none; }
  `;

  /** Lowest key shown (MIDI). */
  @property({ type: Number }) low = PITCH_MIN;
  /** Highest key shown (MIDI). */
  @property({ type: Number }) high = PITCH_MAX;
  /** Pitches drawn as held (from any input). */
  @property({ attribute: false }) active: ReadonlySet<number> = new Set();
  /** Pitches whose note is rendered; others are drawn as pending. Undefined: all drawn as ready. */
  @property({ attribute: false }) ready: ReadonlySet<number> | undefined;

  /** Which pitch each pointer holds. */
  private readonly pointers = new Map<number, number>();

  override render() {
    const whites: number[] = [];
    for (let p = this.low; p <= this.high; p++) if (!isBlackKey(p)) whites.push(p);
    const widthPct = 100 / Math.max(1, whites.length);
    const keys = [];
    for (let p = this.low; p <= this.high; p++) {
      const black = isBlackKey(p);
      const cls = `key ${black ? 'black' : 'white'}${this.active.has(p) ? ' active' : ''}${
        this.ready && !this.ready.has(p) ? ' pending' : ''
      }`;
      // A black key sits on the boundary after the white key below it.
      const left = black ? `left:${(whites.filter((w) => w < p).length - 0.3) * widthPct}%;width:${widthPct * 0.6}%` : '';
      keys.push(html`<div class=${cls} part=${cls} data-pitch=${p} style=${left}>
        ${!black && p % 12 === 0 ? html`<span class="label">${pitchName(p)}</span>` : nothing}
      </div>`);
    }
    return html`<div class="keys" @pointerdown=${this.onDown} @pointermove=${this.onMove} @pointerup=${this.onUp}
      @pointercancel=${this.onUp} @lostpointercapture=${this.onUp}>${keys}</div>`;
  }

  private keyAt(x: number, y: number): { pitch: number; velocity: number } | undefined {
    const el = this.renderRoot instanceof ShadowRoot ? this.renderRoot.elementFromPoint(x, y) : null;
    const pitchAttr = (el as HTMLElement | null)?.dataset?.pitch;
    if (!el || pitchAttr === undefined) return undefined;
    const r = el.getBoundingClientRect();
    const depth = r.height > 0 ? Math.min(1, Math.max(0, (y - r.top) / r.height)) : 0.8;
    return { pitch: Number(pitchAttr), velocity: Math.round(40 + 87 * depth) };
  }

  private readonly onDown = (e: PointerEvent): void => {
    const hit = this.keyAt(e.clientX, e.clientY);
    if (!hit) return;
    e.preventDefault();
    // Capture so the release arrives even off the keyboard; glissando uses elementFromPoint instead.
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    this.start(e.pointerId, hit.pitch, hit.velocity);
  };

  private readonly onMove = (e: PointerEvent): void => {
    const held = this.pointers.get(e.pointerId);
    if (held === undefined) return;
    const hit = this.keyAt(e.clientX, e.clientY);
    if (!hit || hit.pitch === held) return;
    this.stop(e.pointerId);
    this.start(e.pointerId, hit.pitch, hit.velocity);
  };

  private readonly onUp = (e: PointerEvent): void => this.stop(e.pointerId);

  private start(pointerId: number, pitch: number, velocity: number): void {
    this.pointers.set(pointerId, pitch);
    this.dispatchEvent(new CustomEvent<KeyNoteOnDetail>('note-on', { detail: { pitch, velocity }, bubbles: true, composed: true }));
  }

  private stop(pointerId: number): void {
    const pitch = this.pointers.get(pointerId);
    if (pitch === undefined) return;
    this.pointers.delete(pointerId);
    this.dispatchEvent(new CustomEvent('note-off', { detail: { pitch }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-piano-keyboard': PianoKeyboard;
  }
}
