// Module resolution hook (node:module register) for running the trainer from the repository: adds the
// `gansynth-source` condition, under which the root package.json "exports" map `gansynth-web/...` to src/*.ts.
// `node --conditions=gansynth-source` does the same for a whole process (npm test uses that).
export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, 'gansynth-source'] });
}
