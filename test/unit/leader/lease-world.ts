/**
 * A world for the lease elector's adapter (runtime/leader/lease-elector.ts): a virtual clock, an
 * in-memory network, and stand-in apiservers `api-<host>` (one per elector, so each can fail on
 * its own) sharing one Lease, whose writes check the resourceVersion as the real apiserver's
 * compare-and-swap does. An apiserver can be `silent` (drops calls), `deaf` (applies them and
 * drops the answer) or `slow` (takes up to 600 ms to apply a call, longer than its client waits:
 * a write can then land after its client gave up). `setLatency` gives an apiserver a fixed time
 * per call instead, as a loaded store's commit path takes (a function of the method).
 */
import { assign, createActor, setup, type AnyActorLogic } from 'xstate'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import type { ElectorEvent, LeaderOptions } from '../../../actors/leader/leader-elected.machine.ts'
import { LEASES, leaseElectorLogic } from '../../../runtime/leader/lease-elector.ts'
import { decodeEvent, encodeEvent } from '../../../runtime/codec.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { seededRandom, type Random } from '../../../runtime/random.ts'
import { MemoryNetwork } from '../../../runtime/sim/memory-network.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { subjectFor } from '../../../runtime/subjects.ts'

export const LEASE_PATH = `${LEASES}/kube-scheduler`
export const TIMING = { leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 200 } as const

export type ApiMode = 'ok' | 'silent' | 'deaf' | 'slow'

const SLOW_MS = 600

type ApiCall = { type: string; method: string; path: string; body?: KubeObject }

export interface ElectorHandle {
  readonly host: string
  /** What the elector told its parent, and when. */
  readonly reports: { at: number; event: ElectorEvent }[]
  leading(): boolean
  stop(): void
}

export function leaseWorld(seed: number) {
  const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'))
  const random = seededRandom(seed)
  const network = new MemoryNetwork(clock, random, { minLatencyMs: 1, maxLatencyMs: 3 })
  const modes = new Map<string, ApiMode>()
  const latencies = new Map<string, (method: string) => number>()
  let lease: KubeObject | undefined
  let version = 0

  const apply = (call: ApiCall): { status: number; body: unknown } => {
    const status = (code: number, reason: string) => ({ status: code, body: { kind: 'Status', status: 'Failure', code, reason } })
    if (call.method === 'GET') return lease && call.path === LEASE_PATH ? { status: 200, body: lease } : status(404, 'NotFound')
    if (call.method === 'POST' && lease !== undefined) return status(409, 'AlreadyExists')
    if (call.method === 'PUT' && call.body?.metadata?.resourceVersion !== lease?.metadata?.resourceVersion) return status(409, 'Conflict')
    lease = { ...call.body, metadata: { uid: 'u1', ...call.body?.metadata, resourceVersion: String(++version) } }
    return { status: call.method === 'POST' ? 201 : 200, body: lease }
  }

  const serve = (host: string) => {
    const server = network.connect(`api-${host}`)
    server.subscribe(subjectFor('c1', { component: 'apiserver', instance: `api-${host}` }), (message) => {
      const call = decodeEvent(message.data) as ApiCall
      const reply = message.reply
      if (call.type !== 'api.request' || reply === undefined || modes.get(host) === 'silent') return
      clock.setTimeout(() => {
        const answer = apply(call)
        if (modes.get(host) !== 'deaf') server.publish(reply, encodeEvent({ type: 'api.response', ...answer }))
      }, modes.get(host) === 'slow' ? Math.floor(random() * SLOW_MS) : (latencies.get(host)?.(call.method) ?? 0))
    })
  }

  /** An elector of `host` under a parent that records its reports. */
  const elector = (host: string, hostRandom: Random): ElectorHandle => {
    if (!modes.has(host)) {
      modes.set(host, 'ok')
      serve(host)
    }
    const leaderOptions: LeaderOptions = { apiservers: [`api-${host}`], leaseName: 'kube-scheduler', ...TIMING }
    const logic: AnyActorLogic = leaseElectorLogic(host, leaderOptions, { transport: network.connect(host), cluster: 'c1', clock, random: hostRandom, log: silentLogger })
    const reports: { at: number; event: ElectorEvent }[] = []
    const record = ({ event }: { event: ElectorEvent }) => void reports.push({ at: clock.now(), event })
    const parent = setup({ types: { events: {} as ElectorEvent, context: {} as { leading: boolean } }, actors: { elector: logic } }).createMachine({
      context: { leading: false },
      invoke: { src: 'elector' },
      on: {
        'leader.elected': { actions: [assign({ leading: true }), record] },
        'leader.lost': { actions: [assign({ leading: false }), record] },
      },
    })
    const actor = createActor(parent).start()
    return { host, reports, leading: () => actor.getSnapshot().status === 'active' && actor.getSnapshot().context.leading, stop: () => actor.stop() }
  }

  return {
    clock,
    random,
    elector,
    setMode: (host: string, mode: ApiMode) => void modes.set(host, mode),
    /** Every call to `host`'s apiserver is answered `ms(method)` after it arrives. */
    setLatency: (host: string, ms: (method: string) => number) => void latencies.set(host, ms),
    holder: () => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
  }
}
