/**
 * `<gansynth-preset-bar>`: the preset bank as buttons, with random / save / rename / delete / export / import /
 * share. It only renders and asks: every change is an event the instrument applies to its bank.
 */
import { LitElement, css, html } from 'lit';
import { property, query } from 'lit/decorators.js';
import type { Preset } from '../engine/presets.ts';
import { defineElement } from './define-element.ts';

/** What the user asked the bank to do. */
export type PresetAction =
  | { kind: 'select'; index: number }
  | { kind: 'random' }
  | { kind: 'save' }
  | { kind: 'rename'; index: number; name: string }
  | { kind: 'delete'; index: number }
  | { kind: 'export' }
  | { kind: 'import'; file: File }
  | { kind: 'share' };

/**
 * @fires preset-action - {@link PresetAction}
 * @csspart preset - a preset button; also `selected`
 * @csspart tool - an action button
 * @tagname gansynth-preset-bar
 */
@defineElement('gansynth-preset-bar')
export class PresetBar extends LitElement {
  static override styles = css`
    :host { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font: 13px system-ui, sans-serif; }
    button { font: inherit; padding: 4px 9px; border: 1px solid #888; border-radius: 4px; background: #fff; cursor: pointer; }
    button.selected { background: #2d6cdf; color: #fff; border-color: #2d6cdf; }
    .presets { display: flex; flex-wrap: wrap; gap: 4px; }
    .tools { display: flex; gap: 4px; margin-left: auto; }
    input[type='text'] { font: inherit; width: 10em; }
    input[type='file'] { display: none; }
  `;

  /** The bank shown. */
  @property({ attribute: false }) presets: readonly Preset[] = [];
  /** Index of the preset sounding now; -1 when the sound is a morph between presets. */
  @property({ type: Number }) selected = -1;
  /** Last share link, shown so it can be copied by hand when the clipboard is not available. */
  @property() shareUrl = '';

  @query('input[type=file]') private fileInput!: HTMLInputElement;

  override render() {
    const current = this.presets[this.selected];
    return html`
      <div class="presets">
        ${this.presets.map((p, i) => html`<button part=${i === this.selected ? 'preset selected' : 'preset'}
          class=${i === this.selected ? 'selected' : ''} title=${p.name}
          @click=${() => this.ask({ kind: 'select', index: i })}>${p.name}</button>`)}
      </div>
      <div class="tools">
        <input type="text" aria-label="preset name" .value=${current?.name ?? ''} ?disabled=${!current}
          @change=${(e: Event) => this.ask({ kind: 'rename', index: this.selected, name: (e.target as HTMLInputElement).value })}>
        <button part="tool" @click=${() => this.ask({ kind: 'random' })} title="add a preset from a random latent">random</button>
        <button part="tool" @click=${() => this.ask({ kind: 'save' })} title="save the sound playing now (morphs included) as a preset">save</button>
        <button part="tool" ?disabled=${!current} @click=${() => this.ask({ kind: 'delete', index: this.selected })}>delete</button>
        <button part="tool" @click=${() => this.ask({ kind: 'export' })} title="download the bank as JSON">export</button>
        <button part="tool" @click=${() => this.fileInput.click()} title="load a bank from JSON">import</button>
        <button part="tool" @click=${() => this.ask({ kind: 'share' })} title="copy a link that carries the bank">share</button>
        <input type="file" accept=".json,application/json" @change=${this.onFile}>
      </div>
      ${this.shareUrl ? html`<input type="text" readonly aria-label="share link" .value=${this.shareUrl} style="width:100%">` : ''}
    `;
  }

  private readonly onFile = (e: Event): void => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) this.ask({ kind: 'import', file });
    input.value = '';
  };

  private ask(action: PresetAction): void {
    if (action.kind === 'rename' && !action.name.trim()) return;
    this.dispatchEvent(new CustomEvent<PresetAction>('preset-action', { detail: action, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-preset-bar': PresetBar;
  }
}
