/** Where a benchmark ran: enough to tell whether two result files are comparable. */
import { execFileSync } from 'node:child_process'
import { cpus, totalmem, release } from 'node:os'

export interface Environment {
  readonly node: string
  readonly platform: string
  readonly osRelease: string
  readonly arch: string
  readonly cpuModel: string
  readonly cores: number
  readonly totalMemoryBytes: number
  readonly natsServer: string | undefined
}

export function environment(natsBinary = process.env.AK_NATS_SERVER ?? 'nats-server'): Environment {
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
  }
}

function natsServerVersion(binary: string): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 }).trim()
  } catch {
    return undefined
  }
}
