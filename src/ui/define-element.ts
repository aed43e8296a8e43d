/**
 * `@defineElement('gansynth-…')`: Lit's `@customElement`, but a tag some other copy of this library already defined
 * on the page (the element's bundle and the WAM plugin's, two versions in one web DAW) is left as it is instead of
 * throwing "already defined" while the module loads. The sub-elements use it; `<gansynth-instrument>` keeps Lit's.
 * Custom Elements Manifest reads the tag from the class's `@tagname` JSDoc.
 */
export function defineElement(tag: string) {
  return (cls: CustomElementConstructor): void => {
    if (!customElements.get(tag)) customElements.define(tag, cls);
  };
}
