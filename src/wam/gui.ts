/**
 * `<gansynth-wam-gui>`: the plugin's GUI (what `createGui()` returns): the status line, preset, morph, volume,
 * release and bend range (as the host's parameters: moving one is `setParameterValues`, and host automation moves
 * them back, polled every 100 ms), and a keyboard that plays through the host's event path (`wam-midi`).
 */
import { LitElement, css, html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { defineElement } from '../ui/define-element.ts';
import '../ui/piano-keyboard.ts';
import '../ui/status-line.ts';
import type { KeyNoteOnDetail } from '../ui/piano-keyboard.ts';
import type { WamInstrument } from './instrument.ts';
import type { GansynthWamNode } from './node.ts';
import { PARAM, paramSpecs, type ParamId } from './params.ts';

const POLL_MS = 100;

@defineElement('gansynth-wam-gui')
export class GansynthWamGui extends LitElement {
  static override styles = css`
    :host { display: block; box-sizing: border-box; width: 640px; padding: 10px; background: #f6f4ef; border: 1px solid #bbb;
      border-radius: 6px; font: 13px system-ui, sans-serif; color: #222; }
    h2 { margin: 0 0 6px; font-size: 15px; }
    .controls { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; margin: 8px 0; }
    label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; }
    output { font: 11px ui-monospace, monospace; color: #555; }
    gansynth-piano-keyboard { height: 90px; }
  `;

  @property({ attribute: false }) instrument: WamInstrument | undefined;
  @property({ attribute: false }) node: GansynthWamNode | undefined;
  @state() private values: Partial<Record<ParamId, number>> = {};
  private timer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = this.instrument?.subscribe(() => this.requestUpdate());
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    void this.poll();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  private async poll(): Promise<void> {
    if (!this.node) return;
    const v = await this.node.getParameterValues(false);
    this.values = Object.fromEntries(Object.entries(v).map(([id, d]) => [id, d.value]));
  }

  private set(id: ParamId, value: number): void {
    this.values = { ...this.values, [id]: value };
    void this.node?.setParameterValues({ [id]: { id, value, normalized: false } });
  }

  private midi(bytes: [number, number, number]): void {
    const node = this.node;
    if (node) node.scheduleEvents({ type: 'wam-midi', time: node.context.currentTime, data: { bytes } });
  }

  override render() {
    const inst = this.instrument;
    if (!inst) return html`<h2>GANSynth</h2>`;
    const s = inst.status;
    const names = inst.presetNames();
    const spec = new Map(paramSpecs(names).map((p) => [p.id, p]));
    const slider = (id: ParamId, step: number, show: (v: number) => string) => {
      const p = spec.get(id)!;
      const v = this.values[id] ?? p.defaultValue;
      return html`<label>${p.label}
        <input type="range" part=${id} min=${p.minValue} max=${p.maxValue} step=${step} .value=${String(v)}
          @input=${(e: Event) => this.set(id, Number((e.target as HTMLInputElement).value))}>
        <output>${show(v)}</output></label>`;
    };
    const preset = Math.round(this.values[PARAM.preset] ?? 0);
    const engine = inst.engine;
    return html`
      <h2>GANSynth</h2>
      <gansynth-status-line .backend=${s.backend} .backendReason=${s.backendReason} .bankDone=${s.bankDone} .bankTotal=${s.bankTotal}
        .modelName=${s.model} .untrained=${s.untrained} .notice=${s.notice} .phase=${s.loading} .error=${s.error}></gansynth-status-line>
      <div class="controls">
        <label>Preset
          <select part="preset" @change=${(e: Event) => this.set(PARAM.preset, Number((e.target as HTMLSelectElement).value))}>
            ${names.map((n, i) => html`<option value=${i} ?selected=${i === preset}>${n}</option>`)}
          </select></label>
        ${slider(PARAM.morph, 0.001, (v) => v.toFixed(2))}
        ${slider(PARAM.volumeDb, 0.5, (v) => `${v.toFixed(1)} dB`)}
        ${slider(PARAM.releaseSec, 0.005, (v) => `${v.toFixed(2)} s`)}
        ${slider(PARAM.bendRangeSemitones, 1, (v) => `±${v} st`)}
      </div>
      <gansynth-piano-keyboard .low=${engine.bankPitches[0]!} .high=${engine.bankPitches[engine.bankPitches.length - 1]!}
        .active=${engine.activePitches} .ready=${engine.readyPitches}
        @note-on=${(e: CustomEvent<KeyNoteOnDetail>) => this.midi([0x90, e.detail.pitch, e.detail.velocity])}
        @note-off=${(e: CustomEvent<{ pitch: number }>) => this.midi([0x80, e.detail.pitch, 0])}></gansynth-piano-keyboard>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-wam-gui': GansynthWamGui;
  }
}
