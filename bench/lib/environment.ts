/** Where a benchmark ran: enough to tell whether two result files are comparable. */
import { execFileSync } from 'node:child_process'
import { cpus, loadavg, release, totalmem } from 'node:os'

export interface Environment {
  readonly node: string
  readonly platform: string
  readonly osRelease: string
  readonly arch: string
  readonly cpuModel: string
  readonly cores: number
  readonly totalMemoryBytes: number
  readonly natsServer: string | undefined
  /**
   * 1-minute load average when the run started and ended: other work on the machine shares the
   * cores with the benchmark, and numbers taken under load are not comparable with quiet ones.
   */
  readonly loadAverage: { readonly start: number; readonly end: number }
}

export function environment(loadAtStart: number, natsBinary = process.env.AK_NATS_SERVER ?? 'nats-server'): Environment {
  const cpuList = cpus()
  return {
    node: process.version,
    platform: process.platform,
    osRelease: release(),
    arch: process.arch,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    totalMemoryBytes: totalmem(),
    natsServer: natsServerVersion(natsBinary),
    loadAverage: { start: round2(loadAtStart), end: round2(loadavg()[0]!) },
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100

/** The 1-minute load average now. */
export function loadNow(): number {
  return loadavg()[0]!
}

function natsServerVersion(binary: string): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 }).trim()
  } catch {
    return undefined
  }
}
