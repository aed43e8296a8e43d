/**
 * `<gansynth-midi-learn-bar>`: the MIDI controller bound to each target (morph X, morph Y, next / previous preset), and
 * MIDI learn: press a target, then move a knob, fader or button on the controller, and it is bound
 * (midi-controls.ts). Press it again to stop waiting.
 */
import { LitElement, css, html } from 'lit';
import { property } from 'lit/decorators.js';
import { CONTROL_TARGETS, CONTROL_TARGET_LABELS, type ControlBindings, type ControlTarget } from './midi-controls.ts';
import { defineElement } from './define-element.ts';

/**
 * @fires learn-arm - `{target}`: wait for a controller for `target` (undefined: stop waiting)
 * @csspart learn - a target's button; also `armed` while it waits
 * @tagname gansynth-midi-learn-bar
 */
@defineElement('gansynth-midi-learn-bar')
export class MidiLearnBar extends LitElement {
  static override styles = css`
    :host { display: inline-flex; flex-wrap: wrap; gap: 4px; align-items: center; font: 12px system-ui, sans-serif; }
    button { font: inherit; padding: 3px 7px; border: 1px solid #888; border-radius: 4px; background: #fff; cursor: pointer; }
    button.armed { background: #ffe08a; border-color: #c99a00; }
  `;

  @property({ attribute: false }) bindings: ControlBindings = {};
  /** The target waiting for a controller. */
  @property({ attribute: false }) armed: ControlTarget | undefined;

  override render() {
    return html`<span>MIDI learn:</span>${CONTROL_TARGETS.map((t) => {
      const armed = this.armed === t;
      const cc = this.bindings[t];
      return html`<button part=${armed ? 'learn armed' : 'learn'} class=${armed ? 'armed' : ''} data-target=${t} aria-pressed=${armed}
        title="press, then move a controller to bind it" @click=${() => this.arm(armed ? undefined : t)}>${CONTROL_TARGET_LABELS[t]}:
        ${armed ? 'move a control…' : cc === undefined ? '—' : `CC${cc}`}</button>`;
    })}`;
  }

  private arm(target: ControlTarget | undefined): void {
    this.dispatchEvent(new CustomEvent('learn-arm', { detail: { target }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'gansynth-midi-learn-bar': MidiLearnBar;
  }
}
