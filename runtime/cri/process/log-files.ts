/** Reading the CRI log records ContainerLog writes, back into lines, newest files last. */
import { readFileSync } from 'node:fs'
import type { LogLine } from '../log-select.ts'
import { logFiles } from './container-log.ts'

/**
 * The log's lines, oldest first. With `atLeast`, older files are not read once that many lines
 * are in hand (a tail needs only the newest file or two).
 */
export function readLogLines(path: string, maxFiles: number, atLeast?: number): LogLine[] {
  const files = logFiles(path, maxFiles).reverse()
  const chunks: LogLine[][] = []
  let count = 0
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    const lines = parseRecords(text)
    chunks.unshift(lines)
    count += lines.length
    if (atLeast !== undefined && count > atLeast) break
  }
  return chunks.flat()
}

/** Pieces (P) are joined to the record that finishes their line (F). */
export function parseRecords(text: string): LogLine[] {
  const lines: LogLine[] = []
  let piece = ''
  for (const record of text.split('\n')) {
    if (record === '') continue
    const first = record.indexOf(' ')
    const second = record.indexOf(' ', first + 1)
    const third = record.indexOf(' ', second + 1)
    if (first < 0 || second < 0 || third < 0) continue
    const tag = record.slice(second + 1, third)
    const text = record.slice(third + 1)
    if (tag === 'P') {
      piece += text
      continue
    }
    lines.push({ time: Date.parse(record.slice(0, first)), text: piece + text })
    piece = ''
  }
  return lines
}
