/**
 * A host's actor faults (actors/chaos/actor-faults.ts) carried out on its actors: the host's fault
 * leases (./fault-leases.ts) apply and lift them here. Every actor reads time through its own
 * skewed clock (runtime/sim/skewed-clock.ts: `now` off by the offset, timers and the monotonic
 * clock true, as after an NTP step) and writes files through its own FaultyDiskIo
 * (runtime/disk/faulty-io.ts), both made once per actor so they outlive its restarts. A crash
 * is the supervisor's `supervisor.crash`: the actor stops where it stands and is restarted after
 * its backoff; lifting a crash does nothing.
 */
import type { ActorFault } from '../../actors/chaos/actor-faults.ts'
import type { Clock } from '../clock.ts'
import { FaultyDiskIo } from '../disk/faulty-io.ts'
import type { DiskIo } from '../disk/io.ts'
import type { Random } from '../random.ts'
import { SkewedClock } from '../sim/skewed-clock.ts'

/** What the host's fault leases need to apply and lift actor faults. */
export interface ActorFaultTarget {
  apply(fault: ActorFault): void
  lift(fault: ActorFault): void
}

export class ActorFaults implements ActorFaultTarget {
  readonly #clock: Clock
  readonly #random: Random
  readonly #crash: (actor: string) => void
  readonly #clocks = new Map<string, SkewedClock>()
  readonly #disks = new Map<string, FaultyDiskIo>()

  constructor(options: { clock: Clock; random: Random; crash: (actor: string) => void }) {
    this.#clock = options.clock
    this.#random = options.random
    this.#crash = options.crash
  }

  /** The clock `actor` reads time from. */
  clockFor(actor: string): SkewedClock {
    let clock = this.#clocks.get(actor)
    if (clock === undefined) this.#clocks.set(actor, (clock = new SkewedClock(this.#clock)))
    return clock
  }

  /** The file operations `actor` (a store replica) performs, over `inner`. */
  diskFor(actor: string, inner: DiskIo): FaultyDiskIo {
    let disk = this.#disks.get(actor)
    if (disk === undefined) this.#disks.set(actor, (disk = new FaultyDiskIo(inner, { clock: this.#clock, random: this.#random })))
    return disk
  }

  apply(fault: ActorFault): void {
    for (const actor of fault.actors) {
      if (fault.kind === 'crash') this.#crash(actor)
      else if (fault.kind === 'skew') this.clockFor(actor).offsetMs = fault.offsetMs
      else {
        const disk = this.#disks.get(actor)
        // A disk-latency and a disk-error in force together (a Parallel experiment) both apply.
        if (disk !== undefined) disk.faults = { latencyMs: Math.max(fault.latencyMs, disk.faults?.latencyMs ?? 0), errorProbability: Math.max(fault.errorProbability, disk.faults?.errorProbability ?? 0) }
      }
    }
  }

  lift(fault: ActorFault): void {
    for (const actor of fault.actors) {
      if (fault.kind === 'skew') this.clockFor(actor).offsetMs = 0
      else if (fault.kind === 'disk') {
        const disk = this.#disks.get(actor)
        if (disk?.faults === undefined) continue
        // Lifts what this fault set; the other kind's part stays.
        const left = { latencyMs: fault.latencyMs > 0 ? 0 : disk.faults.latencyMs, errorProbability: fault.errorProbability > 0 ? 0 : disk.faults.errorProbability }
        disk.faults = left.latencyMs === 0 && left.errorProbability === 0 ? undefined : left
      }
    }
  }
}
