/**
 * The fault schedule of a simulated run, drawn from the seed: during the fault window hosts are
 * killed (a master's disk loses what it had not synced) and restarted, the network is partitioned
 * and healed, a host's outgoing messages are dropped, delayed, duplicated or reordered, a master's
 * disk turns slow, a host's clock runs ahead or behind. Leader faults aim at whoever leads the
 * store, the scheduler or the controller manager when they strike (killed, cut off, paused, killed
 * in turn with the next leader). Every fault ends by the window's end; then the cluster is quiet
 * and must converge.
 *
 * The store keeps its quorum: a fault that would take a second of the three masters out (killed
 * or paused) while one is is skipped, and logged as skipped, except `kill-two-masters`, whose
 * point is the lost quorum (the store is unavailable for its span; safety must hold regardless).
 */
import type { FaultRule, MessageFaultKind } from '../chaos/fault-rules.ts'
import type { Random } from '../random.ts'
import type { LeaderRole, SimCluster } from './sim-cluster.ts'
import { LEADER_ROLES } from './sim-cluster.ts'

export type Fault =
  | { readonly kind: 'kill'; readonly host: string; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly string[])[]; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'messages'; readonly host: string; readonly rule: FaultRule; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'slow-disk'; readonly host: string; readonly factor: number; readonly atMs: number; readonly forMs: number }
  | { readonly kind: 'skew'; readonly host: string; readonly offsetMs: number; readonly atMs: number; readonly forMs: number }
  | LeaderFault

/**
 * A fault aimed at `role`'s leader as of `atMs` (looked up then; `fallback`, drawn with the
 * schedule, when the lookup gets no answer). kill: killed with a disk crash; isolate: cut off from
 * every other host; pause: its link frozen (HostLink.pause); kill-in-turn: killed for `downMs`,
 * restarted, and `gapMs` later the leader of then killed for `downMs`; kill-two-masters: the
 * leader and another master killed together (quorum lost on purpose).
 */
export type LeaderFault = {
  readonly kind: 'kill-leader' | 'isolate-leader' | 'pause-leader' | 'kill-in-turn' | 'kill-two-masters'
  readonly role: LeaderRole
  readonly fallback: string
  readonly atMs: number
  readonly forMs: number
  /** kill-in-turn: how long each is down, and the pause between the first's restart and the second kill. */
  readonly downMs?: number
  readonly gapMs?: number
  /** kill-two-masters: the second master's pick among the others (index, modulo how many). */
  readonly other?: number
}

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

/** Mean virtual ms between two leader faults starting. */
const LEADER_MEAN_GAP_MS = 7000

/**
 * Leader faults for `window`, from a stream of their own (so the other faults a seed draws stay
 * what they were). The kinds that lose a leader for good are short enough for the cluster to
 * settle between them; the quorum loss is the rarest.
 */
export function drawLeaderFaults(random: Random, masters: readonly string[], window: FaultWindow): LeaderFault[] {
  const faults: LeaderFault[] = []
  const gap = LEADER_MEAN_GAP_MS
  for (let at = window.startMs + between(random, 1000, gap); at < window.endMs - 2000; at += between(random, gap / 2, (gap * 3) / 2)) {
    const room = window.endMs - at
    const role = pick(random, LEADER_ROLES)
    const fallback = pick(random, masters)
    const roll = random()
    const span = (min: number, max: number) => Math.min(room, between(random, min, max))
    if (roll < 0.3) faults.push({ kind: 'kill-leader', role, fallback, atMs: at, forMs: span(1500, 6000) })
    else if (roll < 0.55) faults.push({ kind: 'isolate-leader', role, fallback, atMs: at, forMs: span(1500, 6000) })
    else if (roll < 0.8) faults.push({ kind: 'pause-leader', role, fallback, atMs: at, forMs: span(500, 5000) })
    else if (roll < 0.93) {
      const downMs = between(random, 1500, 4000)
      const gapMs = between(random, 500, 3000)
      if (2 * downMs + gapMs <= room) faults.push({ kind: 'kill-in-turn', role, fallback, atMs: at, forMs: 2 * downMs + gapMs, downMs, gapMs })
    } else faults.push({ kind: 'kill-two-masters', role, fallback, atMs: at, forMs: span(1500, 4000), other: between(random, 0, masters.length) })
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
    case 'kill-leader':
      return `${span} kill the ${fault.role} leader`
    case 'isolate-leader':
      return `${span} cut the ${fault.role} leader off`
    case 'pause-leader':
      return `${span} pause the ${fault.role} leader's host`
    case 'kill-in-turn':
      return `${span} kill the ${fault.role} leader for ${fault.downMs} ms, restart it, ${fault.gapMs} ms later kill the next one for ${fault.downMs} ms`
    case 'kill-two-masters':
      return `${span} kill the ${fault.role} leader and another master together (quorum lost on purpose)`
  }
}

/**
 * Puts the schedule on the simulation's clock. A partition in force is replaced by a later one;
 * a host killed twice over stays down until the later restart; a leader fault finds its target
 * when it strikes. `onFault` hears every fault as it starts, whom a leader fault hit, and what
 * was skipped.
 */
export function scheduleFaults(cluster: SimCluster, faults: readonly Fault[], onFault: (line: string) => void = () => {}): void {
  const clock = cluster.sim.clock
  const at = (ms: number, fn: () => void) => clock.setTimeout(fn, Math.max(0, ms - clock.now()))
  const downUntil = new Map<string, number>()
  const pausedUntil = new Map<string, number>()
  let partitionUntil = 0
  /** The masters the store can lose and keep its quorum. */
  const tolerated = Math.floor((cluster.masters.length - 1) / 2)
  /** Whether taking `host` out now would lose the store's quorum. */
  const wouldLoseQuorum = (host: string) => {
    const out = cluster.mastersOut()
    return cluster.masters.includes(host) && !out.includes(host) && out.length >= tolerated
  }
  const kill = (host: string, end: number, why: string, quorumLossIntended = false) => {
    if (!quorumLossIntended && wouldLoseQuorum(host)) return onFault(`skipped: kill ${host} (${why}): ${cluster.mastersOut().join(', ')} out already, the store would lose its quorum`)
    downUntil.set(host, Math.max(downUntil.get(host) ?? 0, end))
    void cluster.kill(host)
    at(end, () => {
      if ((downUntil.get(host) ?? 0) <= clock.now() && !cluster.sim.isUp(host)) void cluster.restart(host)
    })
  }
  const partition = (groups: readonly (readonly string[])[], end: number) => {
    partitionUntil = Math.max(partitionUntil, end)
    cluster.partition(groups)
    at(end, () => {
      if (partitionUntil <= clock.now()) cluster.heal()
    })
  }
  const pause = (host: string, end: number, why: string) => {
    if (!cluster.sim.isUp(host)) return onFault(`skipped: pause ${host} (${why}): it is down`)
    if (wouldLoseQuorum(host)) return onFault(`skipped: pause ${host} (${why}): ${cluster.mastersOut().join(', ')} out already, the store would lose its quorum`)
    pausedUntil.set(host, Math.max(pausedUntil.get(host) ?? 0, end))
    cluster.sim.pauseHost(host)
    at(end, () => {
      if ((pausedUntil.get(host) ?? 0) <= clock.now()) cluster.sim.resumeHost(host)
    })
  }
  /** Calls `strike` with the role's leader host as the cluster names it now (else the fallback). */
  const atLeader = (fault: LeaderFault, strike: (host: string, why: string) => void) => {
    void cluster.leaderOf(fault.role).then((found) => {
      const host = found ?? fault.fallback
      const why = found ? `${fault.role} leader` : `${fault.role} leader unknown, fallback`
      onFault(`${fault.kind}: ${fault.role} leader is ${found ?? `unknown; ${fault.fallback} instead`}`)
      strike(host, why)
    })
  }
  for (const fault of faults) {
    const end = fault.atMs + fault.forMs
    at(fault.atMs, () => onFault(describeFault(fault)))
    switch (fault.kind) {
      case 'kill':
        at(fault.atMs, () => kill(fault.host, end, 'drawn'))
        break
      case 'partition':
        at(fault.atMs, () => partition(fault.groups, end))
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
      case 'kill-leader':
        at(fault.atMs, () => atLeader(fault, (host, why) => kill(host, end, why)))
        break
      case 'isolate-leader':
        at(fault.atMs, () => atLeader(fault, (host) => partition([[host], cluster.hosts.filter((h) => h !== host)], end)))
        break
      case 'pause-leader':
        at(fault.atMs, () => atLeader(fault, (host, why) => pause(host, end, why)))
        break
      case 'kill-in-turn': {
        const downMs = fault.downMs ?? fault.forMs / 2
        const second = fault.atMs + downMs + (fault.gapMs ?? 0)
        at(fault.atMs, () => atLeader(fault, (host, why) => kill(host, fault.atMs + downMs, why)))
        at(second, () => atLeader(fault, (host, why) => kill(host, end, `${why}, the second in turn`)))
        break
      }
      case 'kill-two-masters':
        at(fault.atMs, () =>
          atLeader(fault, (host, why) => {
            const others = cluster.masters.filter((m) => m !== host)
            const other = others[(fault.other ?? 0) % others.length]!
            kill(host, end, why, true)
            kill(other, end, 'with the leader', true)
          }),
        )
        break
    }
  }
}
