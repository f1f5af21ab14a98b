/**
 * What a benchmark suite is and what it produces. A suite measures; the runner (bench/run.ts)
 * records the environment, writes bench/results/<suite>.json and prints the summary table.
 */

/** One timed run of a measurement. */
export interface Repetition {
  /** Items completed in this run (messages, requests...). */
  readonly count: number
  readonly seconds: number
  /** count / seconds. */
  readonly rate: number
  /** CPU seconds each involved process used during the run (Linux /proc), where measured. */
  readonly cpuSeconds?: Readonly<Record<string, number>>
}

export interface Measurement {
  /** Stable machine name, e.g. `raw.one-way`. */
  readonly id: string
  /** Human label for tables. */
  readonly label: string
  /** Charts group bars by `group` (one panel each) and colour them by `series`. */
  readonly group: string
  readonly series: string
  /** Unit of `rate`, e.g. `msgs/s`. */
  readonly unit: string
  /** Warm-up runs, timed but left out of the statistics. */
  readonly warmup: readonly Repetition[]
  readonly repetitions: readonly Repetition[]
  /** Median of the repetitions' rates. */
  readonly median: number
  readonly min: number
  readonly max: number
  /** Median over the repetitions of each process's CPU microseconds per item, where measured. */
  readonly cpuMicrosPerItem?: Readonly<Record<string, number>>
}

export interface Ratio {
  readonly id: string
  readonly label: string
  /** Measurement ids: `value` = median(numerator) / median(denominator). */
  readonly numerator: string
  readonly denominator: string
  readonly value: number
  /** The value the project aims for, if any, and whether this run met it. */
  readonly goal?: number
  readonly met?: boolean
}

export interface SuiteOutput {
  readonly parameters: Readonly<Record<string, unknown>>
  readonly measurements: readonly Measurement[]
  readonly ratios: readonly Ratio[]
  readonly notes: readonly string[]
}

export interface SuiteContext {
  readonly quick: boolean
  /** Run only the measurements whose id contains this (profiling one case); undefined runs all. */
  readonly only: string | undefined
  /** One line of progress on stderr. */
  progress(message: string): void
  /** A scratch directory for this run (configs, logs, server data). */
  readonly workDir: string
}

export interface Suite {
  readonly name: string
  readonly description: string
  run(context: SuiteContext): Promise<SuiteOutput>
}
