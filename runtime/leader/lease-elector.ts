/**
 * The `elector` child of a leader-elected actor (scheduler, controller manager): runs the Lease
 * election of actors/leader/lease-election.ts against the API over NATS and tells its parent
 * `leader.elected` / `leader.lost`.
 *
 * Every `retryPeriodMs` it reads the Lease and writes what the election step says, with the
 * read resourceVersion as a precondition. As leader it also arms a deadline: when no renewal has
 * succeeded for `renewDeadlineMs` it reports `leader.lost` whether or not a request is still in
 * flight, so a leader cut off from the API stops acting before its lease can expire elsewhere.
 * On stop it releases the lease (no holder), so a successor need not wait out the duration.
 */
import { fromCallback, type AnyActorLogic } from 'xstate'
import type { ElectorEvent, LeaderOptions } from '../../actors/leader/leader-elected.machine.ts'
import { electionStep, mustStepDown, observe, releasedRecord, validateElectionConfig, type ElectionConfig, type LeaseRecord, type Observation } from '../../actors/leader/lease-election.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { ApiClient, ApiError } from '../apiserver/api-client.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import { randomClientId } from '../random.ts'
import type { Transport } from '../transport/transport.ts'

export interface ElectorDeps {
  readonly transport: Transport
  readonly cluster: string
  readonly clock: Clock
  readonly log: Logger
}

export const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases'

export function leaseElectorLogic(hostId: string, options: LeaderOptions, deps: ElectorDeps): AnyActorLogic {
  return fromCallback(({ sendBack }) => {
    // A fresh identity per incarnation: a restarted actor is a new candidate, never mistaken for its old self.
    const identity = randomClientId(`${hostId}_`)
    const config: ElectionConfig = validateElectionConfig({ identity, leaseDurationMs: options.leaseDurationMs, renewDeadlineMs: options.renewDeadlineMs, retryPeriodMs: options.retryPeriodMs })
    // Half the renew deadline per try: a renewal slowed by a busy store should still land (a retry
    // elsewhere after a short timeout conflicts with the write that did land), and a dead
    // apiserver still leaves time for a second try before the deadline.
    const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers: options.apiservers, clock: deps.clock, timeoutMs: Math.max(100, Math.floor(options.renewDeadlineMs / 2)) })
    const path = `${LEASES}/${options.leaseName}`
    const log = deps.log.child({ lease: options.leaseName, identity })
    let observation: Observation | undefined
    let lease: KubeObject | undefined
    let leading = false
    let lastRenew = 0
    let stopped = false
    let tick: TimerHandle | undefined
    let deadline: TimerHandle | undefined

    const report = (event: ElectorEvent) => {
      if (!stopped) sendBack(event)
    }
    const lose = (why: string) => {
      if (!leading) return
      leading = false
      if (deadline !== undefined) deps.clock.clearTimeout(deadline)
      deadline = undefined
      log.warn({ why }, 'lost leadership')
      report({ type: 'leader.lost' })
    }
    const armDeadline = () => {
      if (deadline !== undefined) deps.clock.clearTimeout(deadline)
      deadline = deps.clock.setTimeout(() => {
        deadline = undefined
        if (leading && mustStepDown(lastRenew, deps.clock.now(), config)) lose(`no renewal for ${config.renewDeadlineMs} ms`)
      }, Math.max(0, lastRenew + config.renewDeadlineMs - deps.clock.now()))
    }

    /** Whether the last write was ours and succeeded: a leader then renews with one PUT, no read first. */
    let wroteLast = false
    const attempt = async (): Promise<void> => {
      const started = deps.clock.now()
      if (!(leading && wroteLast && lease !== undefined)) {
        try {
          lease = await api.get(path)
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 404)) return
          lease = undefined
        }
      }
      wroteLast = false
      observation = lease === undefined ? undefined : observe(observation, (lease.spec ?? {}) as LeaseRecord, lease.metadata?.resourceVersion ?? '', deps.clock.now())
      const step = electionStep(observation, deps.clock.now(), config)
      if (step.kind === 'wait') {
        lose(`${step.holder} holds the lease`)
        return
      }
      try {
        const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...(lease?.metadata ?? { name: options.leaseName, namespace: 'kube-system' }), ...(step.kind === 'update' ? { resourceVersion: step.resourceVersion } : {}) }, spec: step.record }
        lease = step.kind === 'create' ? await api.create(LEASES, body) : await api.update(path, body)
      } catch (error) {
        // 409: another candidate wrote first; the next read shows who.
        if (!(error instanceof ApiError)) log.debug({ err: String(error) }, 'lease write failed')
        return
      }
      if (stopped) return
      // What we wrote is what the next renewal builds on (its version is the next precondition).
      observation = observe(observation, step.record, lease.metadata?.resourceVersion ?? '', deps.clock.now())
      wroteLast = true
      lastRenew = started
      if (!leading) {
        leading = true
        log.info({ transitions: step.record.leaseTransitions }, 'became leader')
        report({ type: 'leader.elected', identity })
      }
      armDeadline()
    }

    const loop = () => {
      if (stopped) return
      attempt()
        .catch((error: unknown) => log.warn({ err: String(error) }, 'election attempt failed'))
        .finally(() => {
          if (!stopped) tick = deps.clock.setTimeout(loop, config.retryPeriodMs)
        })
    }
    loop()

    return () => {
      stopped = true
      if (tick !== undefined) deps.clock.clearTimeout(tick)
      if (deadline !== undefined) deps.clock.clearTimeout(deadline)
      const release = leading && lease !== undefined ? api.update(path, { ...lease, spec: releasedRecord((lease.spec ?? {}) as LeaseRecord, deps.clock.now()) }).catch(() => undefined) : Promise.resolve(undefined)
      void release.finally(() => api.close())
    }
  })
}
