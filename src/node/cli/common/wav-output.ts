/**
 * The WAV output options `gansynth render` and `gansynth generate` share: --format, --normalize / --no-normalize,
 * --gain; their help lines; and the one line each written file reports about its level. Nothing clips silently:
 * pcm16 is peak-normalised to -1 dBFS unless told otherwise, and whenever raw levels are kept the number of
 * samples beyond full scale is printed. Files are written atomically (file-output.ts): a failed write keeps the old file.
 */
import { type WavFormat, type WavLevel, type WavLevelReport, encodeLeveledWav } from '../../../shared/wav.ts';
import { writeFileAtomic } from './file-output.ts';
import type { OptionDecls } from './args.ts';
import { CliUsageError } from './io.ts';

/** Peak after normalisation, dBFS: 1 dB of headroom for players and lossy encoders. */
export const NORMALIZE_PEAK_DBFS = -1;

/**
 * The output flags' declarations (common/args.ts), to spread into a command's options (`perFile`: generate's
 * several files, each levelled alone).
 */
export function wavOutputOptions(perFile: boolean) {
  const each = perFile
    ? `
(each file on its own, so note i is the same file whatever --count or --pitch;
float or --no-normalize keep the levels comparable across notes)`
    : '';
  return {
    format: {
      kind: 'string', value: 'pcm16|float', default: 'pcm16',
      help: "16-bit PCM, or 32-bit float (WAVE_FORMAT_IEEE_FLOAT, what Magenta's\ngansynth_generate writes)",
    },
    normalize: {
      kind: 'flag',
      help: `scale so the peak is at ${NORMALIZE_PEAK_DBFS} dBFS; the default for pcm16. float keeps raw\nlevels unless --normalize is given (as Magenta: float loses nothing)${each}`,
    },
    'no-normalize': { kind: 'flag', help: 'raw levels: pcm16 clips samples beyond full scale, float keeps them; the count is\nprinted either way' },
    gain: { kind: 'string', value: 'DB', help: 'a fixed gain in dB, -120..60, on the raw levels instead of normalising\n(negative: --gain=-6)' },
  } as const satisfies OptionDecls;
}

/** Parsed output flags. */
export interface WavOutput {
  readonly format: WavFormat;
  readonly level: WavLevel;
}

/** Validates the output flags (values as common/args.ts parses them for wavOutputOptions). */
export function parseWavOutput(v: { format?: string; normalize?: boolean; 'no-normalize'?: boolean; gain?: string }): WavOutput {
  let format: WavFormat;
  if (v.format === undefined || v.format === 'pcm16') format = 'pcm16';
  else if (v.format === 'float' || v.format === 'float32') format = 'float32';
  else throw new CliUsageError(`--format must be one of pcm16|float, got '${v.format}'`);
  if (v.normalize && v['no-normalize']) throw new CliUsageError('--normalize and --no-normalize contradict each other');
  if (v.gain !== undefined) {
    if (v.normalize) throw new CliUsageError('--gain sets a fixed gain; it cannot be combined with --normalize');
    const gainDb = Number(v.gain);
    if (v.gain.trim() === '' || !Number.isFinite(gainDb)) throw new CliUsageError(`--gain must be a number of dB, got '${v.gain}'`);
    if (gainDb < -120 || gainDb > 60) throw new CliUsageError(`--gain must be in -120..60 dB, got ${gainDb}`);
    return { format, level: { kind: 'fixed', gainDb } };
  }
  const normalize = v.normalize === true || (format === 'pcm16' && v['no-normalize'] !== true);
  return { format, level: normalize ? { kind: 'peak', peakDbfs: NORMALIZE_PEAK_DBFS } : { kind: 'fixed', gainDb: 0 } };
}

const dB = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} dB`;

/**
 * What was done to one file's level, for the log: "normalised: gain +4.61 dB to peak -1.00 dBFS", or
 * "raw levels: gain +0.00 dB, peak +8.93 dBFS, 1234 samples clipped" (float: "… beyond full scale, kept").
 */
export function describeLevel(out: WavOutput, report: WavLevelReport): string {
  if (out.level.kind === 'peak') return `normalised: gain ${dB(report.gainDb)} to peak ${report.peakDbfs.toFixed(2)} dBFS`;
  const peak = Number.isFinite(report.peakDbfs) ? `${report.peakDbfs >= 0 ? '+' : ''}${report.peakDbfs.toFixed(2)} dBFS` : 'silent';
  const over = out.format === 'pcm16' ? `${report.overSamples} samples clipped` : `${report.overSamples} samples beyond full scale (kept: float)`;
  const hint = out.format === 'pcm16' && report.overSamples > 0 ? ' (drop --no-normalize, lower --gain, or use --format float)' : '';
  return `${out.level.gainDb === 0 ? 'raw levels' : 'fixed gain'}: gain ${dB(report.gainDb)}, peak ${peak}, ${over}${hint}`;
}

/**
 * Levels and encodes `channels` as `out` says and writes the WAV to `path` atomically (writeFileAtomic: temp file,
 * fsync, rename), so a full disk or a kill keeps a previous file at `path` whole. Returns the level report.
 */
export async function writeLeveledWav(path: string, channels: readonly Float32Array[], sampleRateHz: number, out: WavOutput): Promise<WavLevelReport> {
  const { bytes, report } = encodeLeveledWav(channels, sampleRateHz, out.format, out.level);
  await writeFileAtomic(path, bytes);
  return report;
}
