/**
 * Watching child processes from a test: a child's stdout as lines that can be waited on, and the
 * Linux process table (/proc) to find processes by command line and to tell whether one still lives.
 */
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { onLines } from '../../runtime/process/lines.ts'
import { waitFor } from './wait.ts'

export interface LineLog {
  readonly lines: string[]
  /** Waits for a line at index `from` or later matching `predicate`; returns its index. */
  waitForLine(predicate: (line: string) => boolean, options?: { from?: number; timeoutMs?: number; what?: string }): Promise<number>
}

/** Collects a child's stdout (and stderr, prefixed `stderr: `) line by line. */
export function collectLines(child: ChildProcess): LineLog {
  const lines: string[] = []
  if (child.stdout) onLines(child.stdout, (line) => lines.push(line))
  if (child.stderr) onLines(child.stderr, (line) => lines.push(`stderr: ${line}`))
  return {
    lines,
    waitForLine: (predicate, options = {}) =>
      waitFor(
        () => {
          for (let i = options.from ?? 0; i < lines.length; i++) if (predicate(lines[i]!)) return i + 1
          return undefined
        },
        { timeoutMs: options.timeoutMs ?? 10_000, what: options.what ?? 'a line of output' },
      ).then((n) => n - 1),
  }
}

/** Pids of processes whose command line contains `fragment` (never this process). */
export function pidsWithArgument(fragment: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    let cmdline: string
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
    } catch {
      continue // gone meanwhile
    }
    if (cmdline.includes(fragment)) pids.push(pid)
  }
  return pids
}

/** True while `pid` is a live process; a zombie (exited, not yet reaped) counts as dead. */
export function isAlive(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false
  }
  // The state letter follows the parenthesised command name, which may itself hold spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X'
}

/** Resolves with the exit code (or the signal's name) once `child` has exited. */
export function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode)
  if (child.signalCode !== null) return Promise.resolve(child.signalCode)
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
}
