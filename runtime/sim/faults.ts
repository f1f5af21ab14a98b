/**
 * The fault schedule of a simulated run, drawn from the seed: during the fault window hosts are
 * killed (a master's disk loses what it had not synced) and restarted, the network is partitioned
 * and healed, a host's outgoing messages are dropped, delayed, duplicated or reordered, a master's
 * disk turns slow, a host's clock runs ahead or behind. Every fault ends by the window's end;
 * then the cluster is quiet and must converge.
 */
import type { FaultRule, MessageFaultKind } from '../chaos/fault-rules.ts'
import type { Random } from '../random.ts'
import type { SimCluster } from './sim-cluster.ts'

export type Fault =
  | { readonly kind: 'kill'; readonly host: string; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly string[])[]; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'messages'; readonly host: string; readonly rule: FaultRule; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'slow-disk'; readonly host: string; readonly factor: number; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'skew'; readonly host: string; readonly offsetMs: number; readonly atMs: number; readonly forMs: number }

export interface FaultWindow {
  readonly startMs: number
  readonly endMs: number
  /** Mean virtual ms between two faults starting (default 2000). */
  readonly meanGapMs?: number
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const between = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1))

/** A schedule for `window`, every fault over by its end. */
export function drawFaults(random: Random, hosts: { readonly masters: readonly string[]; readonly workers: readonly string[] }, window: FaultWindow): Fault[] {
  const all = [...hosts.masters, ...hosts.workers]
  const meanGap = window.meanGapMs ?? 2000
  const faults: Fault[] = []
  for (let at = window.startMs + between(random, 0, meanGap); at < window.endMs - 500; at += between(random, meanGap / 2, (meanGap * 3) / 2)) {
    const room = window.endMs - at
    const forMs = Math.min(room, between(random, 500, 8000))
    const roll = random()
    if (roll < 0.25) faults.push({ kind: 'kill', host: pick(random, all), atMs: at, forMs })
    else if (roll < 0.45) faults.push({ kind: 'partition', groups: splitHosts(random, all), atMs: at, forMs })
    else if (roll < 0.75) faults.push({ kind: 'messages', host: pick(random, all), rule: drawRule(random, faults.length), atMs: at, forMs })
    else if (roll < 0.87) faults.push({ kind: 'slow-disk', host: pick(random, hosts.masters), factor: pick(random, [5, 20, 100]), atMs: at, forMs })
    else faults.push({ kind: 'skew', host: pick(random, all), offsetMs: between(random, -3000, 3000), atMs: at, forMs })
  }
  return faults
}

/** Two sides; a host in neither group (none here) would be cut off from both. */
function splitHosts(random: Random, hosts: readonly string[]): string[][] {
  const shuffled = [...hosts]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
  }
  const cut = between(random, 1, shuffled.length - 1)
  return [shuffled.slice(0, cut), shuffled.slice(cut)]
}

function drawRule(random: Random, n: number): FaultRule {
  const kind = pick<MessageFaultKind>(random, ['drop', 'delay', 'duplicate', 'reorder'])
  const probability = kind === 'drop' ? 0.05 + random() * 0.25 : 0.1 + random() * 0.5
  return { id: `sim-${n}`, kind, subject: '>', probability, delayMs: kind === 'reorder' ? 20 : between(random, 5, 200), jitterMs: kind === 'delay' ? between(random, 0, 100) : 0 }
}

/** One line per fault, for the run's report. */
export function describeFault(fault: Fault): string {
  const span = `${fault.atMs}..${fault.atMs + fault.forMs} ms`
  switch (fault.kind) {
    case 'kill':
      return `${span} kill ${fault.host}`
    case 'partition':
      return `${span} partition ${fault.groups.map((g) => `[${g.join(' ')}]`).join(' | ')}`
    case 'messages':
      return `${span} ${fault.rule.kind} p=${fault.rule.probability.toFixed(2)} on ${fault.host}'s messages`
    case 'slow-disk':
      return `${span} fsync x${fault.factor} on ${fault.host}`
    case 'skew':
      return `${span} clock of ${fault.host} ${fault.offsetMs >= 0 ? '+' : ''}${fault.offsetMs} ms`
  }
}

/**
 * Puts the schedule on the simulation's clock. A partition in force is replaced by a later one;
 * a host killed twice over stays down until the later restart.
 */
export function scheduleFaults(cluster: SimCluster, faults: readonly Fault[], onFault: (line: string) => void = () => {}): void {
  const clock = cluster.sim.clock
  const at = (ms: number, fn: () => void) => clock.setTimeout(fn, Math.max(0, ms - clock.now()))
  const downUntil = new Map<string, number>()
  let partitionUntil = 0
  for (const fault of faults) {
    const end = fault.atMs + fault.forMs
    at(fault.atMs, () => onFault(describeFault(fault)))
    switch (fault.kind) {
      case 'kill':
        at(fault.atMs, () => {
          downUntil.set(fault.host, Math.max(downUntil.get(fault.host) ?? 0, end))
          void cluster.kill(fault.host)
        })
        at(end, () => {
          if ((downUntil.get(fault.host) ?? 0) <= clock.now()) void cluster.restart(fault.host)
        })
        break
      case 'partition':
        at(fault.atMs, () => {
          partitionUntil = Math.max(partitionUntil, end)
          cluster.partition(fault.groups)
        })
        at(end, () => {
          if (partitionUntil <= clock.now()) cluster.heal()
        })
        break
      case 'messages':
        at(fault.atMs, () => cluster.sim.hosts.get(fault.host)?.faults.setRule(fault.rule))
        at(end, () => cluster.sim.hosts.get(fault.host)?.faults.clearRules(fault.rule.id))
        break
      case 'slow-disk':
        at(fault.atMs, () => cluster.disks.get(fault.host)?.slow(fault.factor))
        at(end, () => cluster.disks.get(fault.host)?.slow(1))
        break
      case 'skew':
        at(fault.atMs, () => void (cluster.sim.clockOf(fault.host).offsetMs = fault.offsetMs))
        at(end, () => void (cluster.sim.clockOf(fault.host).offsetMs = 0))
        break
    }
  }
}
