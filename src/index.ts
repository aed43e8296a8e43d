/** gansynth-web: the library's public API. */
export * from './shared/constants.ts';
export * from './shared/model-config.ts';
export * from './shared/random.ts';
export * from './shared/wav.ts';
export * from './shared/pitch.ts';
