/**
 * The shared shape of benchmark results: every `bench/<area>.bench.ts` exports
 * `async function run(): Promise<BenchRow[]>`, and `bench/run.ts` collects the rows into one JSON file and a table.
 */

/** One measured number. */
export interface BenchRow {
  /** The bench area, e.g. 'engine'. */
  suite: string;
  /** What was measured, e.g. 'paper bank (61 notes)'. */
  name: string;
  /** Where it ran, e.g. 'node-wasm', 'chromium-webgpu'. */
  backend?: string;
  value: number;
  /** Unit of value, e.g. 'ms', 'ms/note', 'GFLOP/s'. */
  unit: string;
  /** Anything else worth keeping (stage split, batch size, whether the number is extrapolated). */
  extra?: Record<string, unknown>;
}

/**
 * What a bench module exports. `progress`, when given, receives each measurement's rows as soon as they exist, so a
 * run cut short (a device call's time limit) still leaves them in the results file; `run` returns all of them.
 */
export interface BenchModule {
  run(progress?: (rows: readonly BenchRow[]) => void): Promise<BenchRow[]>;
}

/** The file bench/run.ts writes to bench/results/. */
export interface BenchReport {
  date: string;
  host: string;
  node: string;
  cpus: string;
  cpuCount: number;
  /** Benches that threw, with their message (their rows are missing). */
  failures: { bench: string; message: string }[];
  rows: BenchRow[];
}
