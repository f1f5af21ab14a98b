/**
 * Resident memory of a process and its descendants, from /proc (Linux). A container is usually
 * a shell or a runner whose child does the work, so the watchdog must count the whole tree.
 */
import { readFileSync } from 'node:fs'

/** Bytes, or undefined when the process is gone or /proc cannot tell (not Linux). */
export function processTreeRss(pid: number, depth = 0): number | undefined {
  const own = vmRss(pid)
  if (own === undefined) return undefined
  let total = own
  // Deep trees are rare; the bound keeps a fork bomb from turning the watchdog into one.
  if (depth < 16) for (const child of children(pid)) total += processTreeRss(child, depth + 1) ?? 0
  return total
}

function vmRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    // A zombie has no VmRSS line: it uses nothing.
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return undefined
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  } catch {
    return []
  }
}
