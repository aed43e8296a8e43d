// Custom Elements Manifest (custom-elements.json, package.json "customElements") for editors and web-DAW hosts:
// the Lit elements of src/ui with their attributes, properties, events (@fires) and parts (@csspart).
// `npm run build` writes it with @custom-elements-manifest/analyzer.

/**
 * Every event of ours is documented with @fires (STYLE.md §9). An event the analyzer found only in code, with no
 * @fires line, is one dispatched through a variable (`new CustomEvent(type, ...)`), which it names after the
 * variable: it is dropped, and named on stderr so that a real undocumented event is seen.
 */
const documentedEventsOnly = {
  name: 'documented-events-only',
  packageLinkPhase({ customElementsManifest }) {
    for (const mod of customElementsManifest.modules) {
      for (const decl of mod.declarations ?? []) {
        if (!decl.events) continue;
        const undocumented = decl.events.filter((e) => !e.description);
        for (const e of undocumented) console.error(`custom-elements.json: ${decl.name}: left out event '${e.name}' (no @fires line: dispatched through a variable, or undocumented)`);
        decl.events = decl.events.filter((e) => e.description);
      }
    }
  },
};

export default {
  globs: ['src/ui/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  outdir: '.',
  litelement: true,
  plugins: [documentedEventsOnly],
};
