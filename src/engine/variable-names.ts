/** Magenta's generator variable names, without tfjs (model-format.ts reads them on the main thread too). */

/** Scope prefix of every generator variable in Magenta's checkpoints (and ours). */
export const GENERATOR_SCOPE = 'Generator/progressive_gan_generator';
/** Suffix Magenta's exported (EMA) variables carry; our own files omit it, loaders accept both. */
export const EMA_SUFFIX = '/ExponentialMovingAverage';
