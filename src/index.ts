/** gansynth-web: the library's public API. */
export * from './shared/constants.ts';
export * from './shared/model-config.ts';
