/**
 * The part of kubectl logs' options that both runtimes apply the same way to lines they already
 * have: sinceSeconds, then tailLines, then the RFC 3339 timestamp prefix.
 */
import type { LogOptions } from './container-runtime.ts'

export interface LogLine {
  /** ms since the epoch. */
  readonly time: number
  /** Without its newline. */
  readonly text: string
}

export function selectLogLines(lines: readonly LogLine[], options: LogOptions, now: number): LogLine[] {
  const since = options.sinceSeconds === undefined ? undefined : now - options.sinceSeconds * 1000
  const recent = since === undefined ? lines : lines.filter((line) => line.time >= since)
  const tail = options.tailLines
  return tail === undefined || tail < 0 ? [...recent] : tail === 0 ? [] : recent.slice(-tail)
}

/** One line as the reader gets it, with its newline. */
export function formatLogLine(line: LogLine, options: LogOptions): string {
  return options.timestamps ? `${new Date(line.time).toISOString()} ${line.text}\n` : `${line.text}\n`
}
