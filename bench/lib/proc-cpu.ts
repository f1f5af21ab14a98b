/**
 * CPU time of other processes, from Linux's /proc (user + system, 10 ms resolution): tells which
 * process a benchmark's time goes to, independent of how the cores were shared. Undefined where
 * /proc is not available.
 */
import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

export function processCpuSeconds(pid: number): number | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 (utime) and 15 (stime) of proc(5), counted from 1, are 11 and 12 after the name.
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : undefined
}

/** CPU seconds per named process between `start()` and the returned function's call. */
export function cpuMeter(pids: Readonly<Record<string, number | undefined>>): () => Record<string, number> | undefined {
  const before = new Map<string, number>()
  for (const [name, pid] of Object.entries(pids)) {
    const s = pid === undefined ? undefined : processCpuSeconds(pid)
    if (s !== undefined) before.set(name, s)
  }
  return () => {
    if (before.size === 0) return undefined
    const used: Record<string, number> = {}
    for (const [name, start] of before) {
      const end = processCpuSeconds(pids[name]!)
      if (end !== undefined) used[name] = Math.round((end - start) * 1000) / 1000
    }
    return used
  }
}
