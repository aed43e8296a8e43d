/**
 * Page of define-element.test.ts: another copy of the library (here a stand-in class) has already defined the
 * sub-elements' and the WAM GUI's tags before our modules load, as when a web DAW page holds the element's bundle
 * and the WAM plugin of another build.
 */
export {};
declare global {
  interface Window {
    loadAfterOthers(): Promise<{ error: string | null; keptOthers: boolean; instrumentDefined: boolean; rendered: boolean }>;
  }
}

const TAKEN = ['gansynth-status-line', 'gansynth-piano-keyboard', 'gansynth-preset-bar', 'gansynth-wam-gui'];

window.loadAfterOthers = async () => {
  const others = new Map(TAKEN.map((tag) => {
    const cls = class extends HTMLElement {};
    customElements.define(tag, cls);
    return [tag, cls] as const;
  }));
  try {
    await import('../../../src/ui/gansynth-instrument.ts');
    await import('../../../src/wam/gui.ts');
  } catch (e) {
    return { error: (e as Error).message, keptOthers: false, instrumentDefined: false, rendered: false };
  }
  const el = document.createElement('gansynth-instrument');
  el.setAttribute('no-computer-keyboard', '');
  document.body.append(el);
  await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  return {
    error: null,
    keptOthers: TAKEN.every((tag) => customElements.get(tag) === others.get(tag)),
    instrumentDefined: customElements.get('gansynth-instrument') !== undefined,
    rendered: el.shadowRoot?.querySelector('gansynth-status-line') !== null,
  };
};
