/**
 * A container's log file, written as the kubelet writes CRI logs: one record a line,
 * `<RFC 3339 time> <stdout|stderr> <F|P> <text>` (P: a piece of a line too long to hold back),
 * rotated by size into `<path>.1` (newest) .. `<path>.<maxFiles - 1>`. Writes are synchronous so
 * a reader that reads the files and then follows in the same turn misses and repeats nothing.
 */
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import type { LogLine } from '../log-select.ts'

export interface LogRotation {
  /** Rotate once the file reaches this size; default 10 MiB. */
  readonly maxBytes?: number
  /** Files kept, the one being written included; default 5. */
  readonly maxFiles?: number
}

export const LOG_ROTATION_DEFAULTS = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 } as const

/** Lines longer than this are written in pieces rather than held in memory. */
const MAX_PENDING = 16 * 1024

type Stream = 'stdout' | 'stderr'

export class ContainerLog {
  readonly path: string
  readonly #maxBytes: number
  readonly #maxFiles: number
  readonly #now: () => number
  #fd: number | undefined
  #size: number
  readonly #pending: Record<Stream, string> = { stdout: '', stderr: '' }
  readonly #followers = new Set<{ line: (line: LogLine) => void; end: () => void }>()

  constructor(path: string, rotation: LogRotation = {}, now: () => number = Date.now) {
    this.path = path
    this.#maxBytes = rotation.maxBytes ?? LOG_ROTATION_DEFAULTS.maxBytes
    this.#maxFiles = Math.max(1, rotation.maxFiles ?? LOG_ROTATION_DEFAULTS.maxFiles)
    this.#now = now
    this.#fd = openSync(path, 'a')
    this.#size = statSync(path).size
  }

  get closed(): boolean {
    return this.#fd === undefined
  }

  write(stream: Stream, chunk: string): void {
    let text = this.#pending[stream] + chunk
    let newline: number
    while ((newline = text.indexOf('\n')) >= 0) {
      this.#record(stream, 'F', text.slice(0, newline))
      text = text.slice(newline + 1)
    }
    while (text.length > MAX_PENDING) {
      this.#record(stream, 'P', text.slice(0, MAX_PENDING))
      text = text.slice(MAX_PENDING)
    }
    this.#pending[stream] = text
  }

  /** Live lines from now on; `end` once the log is closed. Returns an unsubscribe. */
  follow(line: (line: LogLine) => void, end: () => void): () => void {
    if (this.closed) {
      end()
      return () => {}
    }
    const follower = { line, end }
    this.#followers.add(follower)
    return () => this.#followers.delete(follower)
  }

  /** Writes what is left of unfinished lines and ends every follower. */
  close(): void {
    if (this.#fd === undefined) return
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#pending[stream] !== '') this.#record(stream, 'F', this.#pending[stream])
      this.#pending[stream] = ''
    }
    closeSync(this.#fd)
    this.#fd = undefined
    const followers = [...this.#followers]
    this.#followers.clear()
    for (const follower of followers) follower.end()
  }

  /** Deletes the file and its rotations. */
  remove(): void {
    this.close()
    for (const file of logFiles(this.path, this.#maxFiles)) rmSync(file, { force: true })
  }

  #record(stream: Stream, tag: 'F' | 'P', text: string): void {
    if (this.#fd === undefined) return
    const time = this.#now()
    const record = `${new Date(time).toISOString()} ${stream} ${tag} ${text}\n`
    const bytes = Buffer.byteLength(record)
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate()
    writeSync(this.#fd, record)
    this.#size += bytes
    if (tag === 'F') for (const follower of this.#followers) follower.line({ time, text })
  }

  #rotate(): void {
    closeSync(this.#fd!)
    const files = logFiles(this.path, this.#maxFiles)
    // files[0] is the oldest kept name; shifting every file one older drops it.
    for (let i = 0; i < files.length - 1; i++) {
      try {
        renameSync(files[i + 1]!, files[i]!)
      } catch {
        // A rotation that never happened yet: nothing to shift.
      }
    }
    if (files.length === 1) rmSync(this.path, { force: true })
    this.#fd = openSync(this.path, 'a')
    this.#size = 0
  }
}

/** The files of a log, oldest first: `<path>.<maxFiles - 1>` .. `<path>.1`, `<path>`. */
export function logFiles(path: string, maxFiles: number): string[] {
  const files: string[] = []
  for (let i = maxFiles - 1; i >= 1; i--) files.push(`${path}.${i}`)
  files.push(path)
  return files
}
