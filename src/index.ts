/**
 * gansynth-web: the library's public API (browser and Node; Node-only helpers live in src/node and the trainer).
 * tfjs, lit, webmidi and @tonejs/midi stay external in the ESM build.
 */
// Shared: constants, configs, randomness, audio files, f0, the worklet protocol, loop regions and swap alignment.
export * from './shared/constants.ts';
export * from './shared/model-config.ts';
export * from './shared/random.ts';
export * from './shared/wav.ts';
export * from './shared/pitch.ts';
export * from './shared/protocol.ts';
export * from './shared/loop.ts';
export * from './shared/swap-align.ts';

// Engine: spectral ops, generator, weights, rendering, latents and presets.
export * from './engine/spectral.ts';
export * from './engine/mel.ts';
export * from './engine/generator.ts';
export * from './engine/weights.ts';
export * from './engine/model-format.ts';
export * from './engine/backend.ts';
export * from './engine/resample.ts';
export * from './engine/renderer.ts';
export * from './engine/worker-client.ts';
export * from './engine/latent.ts';
export * from './engine/presets.ts';

// MIDI files: notes, the latent timeline, the render (its shared types and the schedule come with midi-render.ts).
export * from './midi/midi-notes.ts';
export * from './midi/latent-timeline.ts';
export * from './midi/midi-render.ts';

// Worklet: the pure voice engine (the processor itself is dist/worklet/processor.js).
export { VoiceEngine, STEAL_FADE_SEC, DEFAULT_BEND_RANGE_SEMITONES } from './worklet/voice-engine.ts';

// UI: the Lit elements and the controller that owns the AudioContext and worklet node (the element owns Web MIDI).
export * from './ui/gansynth-instrument.ts';
export * from './ui/midi-file-renderer.ts';
export * from './ui/audio-engine-controller.ts';
export { renderScheduleOffline } from './ui/midi-offline.ts';
// The saved bank (presets + MIDI bindings + pad corners) a host keeps for `presetBank`.
export * from './ui/bank-file.ts';
export { CONTROL_TARGETS, DEFAULT_CONTROL_BINDINGS, type ControlBindings, type ControlTarget } from './ui/midi-controls.ts';
