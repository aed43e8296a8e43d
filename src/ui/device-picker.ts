/**
 * `<gansynth-device-picker>`: chooses the MIDI input (all, none, or one device) and the channel (omni or 1..16).
 * Devices appear and disappear as they are plugged (the list comes from the instrument's MIDI state).
 */
import { LitElement, css, html } from 'lit';
import { property } from 'lit/decorators.js';
import { ALL_INPUTS, NO_INPUT, type MidiPortInfo, type MidiState } from './midi-input.ts';
import { defineElement } from './define-element.ts';

/**
 * @fires midi-select - `{input, channel}` when either select changes
 * @csspart select - both selects
 * @tagname gansynth-device-picker
 */
@defineElement('gansynth-device-picker')
export class DevicePicker extends LitElement {
  static override styles = css`
    :host { display: inline-flex; gap: 6px; align-items: center; font: 13px system-ui, sans-serif; }
    select { font: inherit; }
    .note { color: #777; }
  `;

  @property({ attribute: false }) inputs: readonly MidiPortInfo[] = [];
  /** ALL_INPUTS, NO_INPUT, or a device id. */
  @property() input = ALL_INPUTS;
  /** 0 = omni, else 1..16. */
  @property({ type: Number }) channel = 0;
  @property() state: MidiState = 'off';
  /** Why MIDI is not available, when it is not. */
  @property() message = '';

  override render() {
    const disabled = this.state !== 'enabled';
    return html`
      <label>MIDI
        <select part="select" aria-label="MIDI input" ?disabled=${disabled} @change=${this.onChange}>
          <option value=${ALL_INPUTS} ?selected=${this.input === ALL_INPUTS}>all inputs (${this.inputs.length})</option>
          <option value=${NO_INPUT} ?selected=${this.input === NO_INPUT}>none</option>
          ${this.inputs.map((i) => html`<option value=${i.id} ?selected=${this.input === i.id || this.input === i.name}>${i.name}</option>`)}
        </select></label>
      <label>ch
        <select part="select" aria-label="MIDI channel" ?disabled=${disabled} @change=${this.onChange}>
          <option value="0" ?selected=${this.channel === 0}>omni</option>
          ${Array.from({ length: 16 }, (_, i) => html`<option value=${i + 1} ?selected=${this.channel === i + 1}>${i + 1}</option>`)}
        </select></label>
      ${disabled ? html`<span class="note">${this.message || this.state}</span>` : ''}
    `;
  }

  private readonly onChange = (): void => {
    const [input, channel] = Array.from(this.renderRoot.querySelectorAll('select'), (s) => s.value);
    this.input = input!;
    this.channel = Number(channel);
    this.dispatchEvent(new CustomEvent('midi-select', { detail: { input: this.input, channel: this.channel }, bubbles: true, composed: true }));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-device-picker': DevicePicker;
  }
}
