/**
 * A host's actor faults (actors/chaos/actor-faults.ts) carried out on its actors: the host's fault
 * leases (./fault-leases.ts) apply and lift them here. Every actor reads time through its own
 * skewed clock (runtime/sim/skewed-clock.ts: `now` off by the offset, timers and the monotonic
 * clock true, as after an NTP step) and writes files through its own FaultyDiskIo
 * (runtime/disk/faulty-io.ts), both made once per actor so they outlive its restarts. Disk faults
 * are kept per lease: every one held applies (the longest latency, the likeliest error), and
 * lifting one leaves the others in force. A crash
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
  /** The disk faults of the leases held on each replica, one entry per lease. */
  readonly #diskFaults = new Map<string, readonly DiskFault[]>()

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
      else if (this.#disks.has(actor)) this.#setDiskFaults(actor, [...(this.#diskFaults.get(actor) ?? []), fault])
    }
  }

  lift(fault: ActorFault): void {
    for (const actor of fault.actors) {
      if (fault.kind === 'skew') this.clockFor(actor).offsetMs = 0
      else if (fault.kind === 'disk') {
        // Lifts this lease's fault alone: another lease's on the same replica (a Parallel
        // experiment's, a second experiment's) stays in force.
        const held = this.#diskFaults.get(actor) ?? []
        const i = held.findIndex((f) => sameDiskFault(f, fault))
        if (i >= 0) this.#setDiskFaults(actor, held.filter((_, j) => j !== i))
      }
    }
  }

  /** Every disk fault held on `actor` applies at once: the longest latency, the likeliest error. */
  #setDiskFaults(actor: string, held: readonly DiskFault[]): void {
    this.#diskFaults.set(actor, held)
    const latencyMs = Math.max(0, ...held.map((f) => f.latencyMs))
    const errorProbability = Math.max(0, ...held.map((f) => f.errorProbability))
    this.#disks.get(actor)!.faults = latencyMs === 0 && errorProbability === 0 ? undefined : { latencyMs, errorProbability }
  }
}

type DiskFault = Extract<ActorFault, { kind: 'disk' }>

const sameDiskFault = (a: DiskFault, b: DiskFault): boolean => a.latencyMs === b.latencyMs && a.errorProbability === b.errorProbability
