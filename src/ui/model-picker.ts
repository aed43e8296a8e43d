/**
 * `<gansynth-model-picker>`: which model the instrument plays: auto, the built-in model, Magenta's acoustic_only and
 * all_instruments, or "open…" a model directory URL, a local folder, or local files (model.json or
 * weights_manifest.json plus its shards). It only reports the choice (`model-choose`); the instrument loads it.
 */
import { LitElement, css, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { AUTO_MODEL, NAMED_MODELS } from './model-catalog.ts';
import { defineElement } from './define-element.ts';

/** `model-choose` detail: a `model` value, or local files (keyed by their path inside the chosen folder). */
export type ModelChoice = { readonly value: string } | { readonly files: ReadonlyMap<string, Blob>; readonly label: string };

const OPEN_URL = 'open-url';
const OPEN_FILES = 'open-files';

/** Files of an `<input type=file>` keyed by path inside the chosen folder (or their name), for the loader. */
export function filesByPath(list: Iterable<File>): Map<string, Blob> {
  const files = [...list];
  const out = new Map<string, Blob>();
  for (const f of files) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    // A chosen folder's files come as "folder/model.json": the loader wants paths inside the folder.
    out.set(rel.includes('/') ? rel.slice(rel.indexOf('/') + 1) : rel, f);
  }
  return out;
}

/**
 * @fires model-choose - {@link ModelChoice}
 * @csspart select
 * @tagname gansynth-model-picker
 */
@defineElement('gansynth-model-picker')
export class ModelPicker extends LitElement {
  static override styles = css`
    :host { display: inline-flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    input[type='url'] { width: 26em; }
  `;

  /** The `model` value playing or asked for ('auto', a named model, a URL, or 'local:…'). */
  @property() value = AUTO_MODEL;
  /** Disables the controls while a model loads. */
  @property({ type: Boolean }) busy = false;
  @state() private mode: '' | typeof OPEN_URL | typeof OPEN_FILES = '';

  override render() {
    const known = this.value === AUTO_MODEL || this.value in NAMED_MODELS;
    const selected = this.mode || this.value;
    return html`
      <label>model
        <select part="select" aria-label="model" .value=${selected} @change=${this.onSelect}>
          <option value=${AUTO_MODEL} ?selected=${selected === AUTO_MODEL}>auto</option>
          ${Object.entries(NAMED_MODELS).map(([v, label]) => html`<option value=${v} ?selected=${selected === v}>${label}</option>`)}
          ${known || this.mode ? nothing : html`<option value=${this.value} selected>${this.value}</option>`}
          <option value=${OPEN_URL} ?selected=${selected === OPEN_URL}>open URL…</option>
          <option value=${OPEN_FILES} ?selected=${selected === OPEN_FILES}>open folder or files…</option>
        </select></label>
      ${this.mode === OPEN_URL ? html`
        <input type="url" aria-label="model URL" placeholder="https://…/model directory/" @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.openUrl()}>
        <button @click=${this.openUrl} ?disabled=${this.busy}>load</button>` : nothing}
      ${this.mode === OPEN_FILES ? html`
        <label>folder <input type="file" aria-label="model folder" webkitdirectory @change=${this.openFiles}></label>
        <label>files <input type="file" aria-label="model files" multiple accept=".json,.bin,application/json,application/octet-stream" @change=${this.openFiles}></label>` : nothing}
    `;
  }

  private readonly onSelect = (e: Event): void => {
    const v = (e.target as HTMLSelectElement).value;
    if (v === OPEN_URL || v === OPEN_FILES) {
      this.mode = v;
      return;
    }
    this.mode = '';
    this.choose({ value: v });
  };

  private readonly openUrl = (): void => {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[type=url]');
    const url = input?.value.trim() ?? '';
    if (!url) return;
    this.mode = '';
    this.choose({ value: new URL(url, location.href).href });
  };

  private readonly openFiles = (e: Event): void => {
    const list = (e.target as HTMLInputElement).files;
    if (!list || list.length === 0) return;
    const files = filesByPath(list);
    const first = list[0] as File & { webkitRelativePath?: string };
    const label = first.webkitRelativePath?.split('/')[0] || (list.length === 1 ? first.name : `${list.length} files`);
    this.mode = '';
    this.choose({ files, label });
  };

  private choose(detail: ModelChoice): void {
    this.dispatchEvent(new CustomEvent<ModelChoice>('model-choose', { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-model-picker': ModelPicker;
  }
}
