/**
 * When a cluster's processes die, stop, continue and start, as the bench sees them (Linux /proc,
 * polled every few ms): the moment a fault really took effect, which `.status` (written before
 * the fault is carried out) does not give, and how many hosts `up` had to restart.
 *
 * Processes are the host processes (`<state>/hosts/<name>.yaml` on the command line, named by
 * the host) and the nats-servers (named `nats:<config>`).
 */
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { pidsWithArgument } from '../api/cluster.ts'

export type ProcessChange = 'started' | 'died' | 'stopped' | 'continued'

export interface ProcessEvent {
  readonly name: string
  readonly pid: number
  readonly change: ProcessChange
  /** Wall clock (Date.now). */
  readonly at: number
}

interface Seen {
  readonly name: string
  stopped: boolean
}

/** 'T' (stopped), 'Z' (zombie: dead), another letter, or undefined when the process is gone. */
function stateOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]
  } catch {
    return undefined
  }
}

function nameOf(pid: number, stateDir: string): string | undefined {
  let cmdline: string
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return undefined
  }
  const host = cmdline.match(new RegExp(`${escape(join(stateDir, 'hosts'))}/([^ /]+)\\.yaml`))
  if (host) return host[1]
  const nats = cmdline.match(/-c (\S+)/)
  if (cmdline.includes('nats-server') && nats) return `nats:${basename(dirname(nats[1]!))}/${basename(nats[1]!)}`
  return undefined
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export class ProcessWatch {
  readonly events: ProcessEvent[] = []
  readonly #stateDir: string
  readonly #seen = new Map<number, Seen>()
  readonly #poll: NodeJS.Timeout
  readonly #scan: NodeJS.Timeout

  /** Polls the known processes every `pollMs` and looks for new ones every `scanMs`. */
  constructor(stateDir: string, pollMs = 5, scanMs = 250) {
    this.#stateDir = stateDir
    this.#rescan(false)
    this.#poll = setInterval(() => this.#check(), pollMs)
    this.#scan = setInterval(() => this.#rescan(true), scanMs)
  }

  /** The first change of `change` at or after `from` (of a process named by `name`, if given). */
  first(change: ProcessChange, from: number, name?: (n: string) => boolean): ProcessEvent | undefined {
    return this.events.find((e) => e.change === change && e.at >= from && (name === undefined || name(e.name)))
  }

  /** Changes between `from` and `to`. */
  between(from: number, to: number): ProcessEvent[] {
    return this.events.filter((e) => e.at >= from && e.at <= to)
  }

  stop(): void {
    clearInterval(this.#poll)
    clearInterval(this.#scan)
  }

  #check(): void {
    const now = Date.now()
    for (const [pid, seen] of this.#seen) {
      const state = stateOf(pid)
      if (state === undefined || state === 'Z' || state === 'X') {
        this.#seen.delete(pid)
        this.events.push({ name: seen.name, pid, change: 'died', at: now })
      } else if ((state === 'T') !== seen.stopped) {
        seen.stopped = state === 'T'
        this.events.push({ name: seen.name, pid, change: seen.stopped ? 'stopped' : 'continued', at: now })
      }
    }
  }

  #rescan(record: boolean): void {
    for (const pid of pidsWithArgument(this.#stateDir)) {
      if (this.#seen.has(pid)) continue
      const name = nameOf(pid, this.#stateDir)
      if (name === undefined) continue
      this.#seen.set(pid, { name, stopped: stateOf(pid) === 'T' })
      if (record) this.events.push({ name, pid, change: 'started', at: Date.now() })
    }
  }
}
