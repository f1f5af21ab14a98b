/** A parent that drives one pod's runtime child with cri.* commands and records what comes back. */
import { createActor, sendTo, setup, type AnyEventObject } from 'xstate'
import type { Container, Pod } from '../../../actors/kube/objects.ts'
import type { CriCommand, CriReport } from '../../../actors/pod/pod-protocol.ts'
import type { ContainerRuntime } from '../../../runtime/cri/container-runtime.ts'
import { podRuntimeLogic } from '../../../runtime/cri/pod-runtime.ts'
import type { PodVolumes } from '../../../runtime/kubelet/service-account-volume.ts'

export function testPod(name: string, containers: Container[], annotations: Record<string, string> = {}): Pod {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations }, spec: { nodeName: 'node-1', containers } }
}

export interface Harness {
  readonly reports: CriReport[]
  send(command: CriCommand): void
  /** cri.runSandbox, answered with the pod's address. */
  runSandbox(): Promise<string>
  /** cri.startContainer (not an init container). */
  start(container: Container, attempt?: number, env?: Record<string, string>): void
  /** The first matching report after the one the previous next() returned (recorded already, or still to come). */
  next<T extends CriReport['type']>(type: T, match?: (report: Extract<CriReport, { type: T }>) => boolean): Promise<Extract<CriReport, { type: T }>>
  stop(): void
}

/** The child is stopped on `t`'s teardown; `volumes`: the pod's (the kubelet's service account volume). */
export function podRuntimeHarness(t: { teardown(fn: () => unknown): void }, runtime: ContainerRuntime, pod: Pod, volumes?: PodVolumes): Harness {
  const reports: CriReport[] = []
  const waiters = new Set<(report: CriReport) => boolean>()
  const parent = setup({
    types: { events: {} as AnyEventObject },
    actors: { runtime: podRuntimeLogic(runtime, undefined, volumes) },
  }).createMachine({
    invoke: { id: 'runtime', src: 'runtime', input: { pod, nodeName: 'node-1', hostIP: '10.0.0.1' } },
    on: {
      'test.command': { actions: sendTo('runtime', ({ event }) => event.command as CriCommand) },
      '*': {
        actions: ({ event }) => {
          const report = event as CriReport
          reports.push(report)
          for (const waiter of waiters) if (waiter(report)) waiters.delete(waiter)
        },
      },
    },
  })
  const actor = createActor(parent)
  actor.start()
  t.teardown(() => actor.stop())
  let seen = 0
  const send = (command: CriCommand): void => {
    actor.send({ type: 'test.command', command })
  }
  const harness: Harness = {
    reports,
    send,
    runSandbox: async () => {
      send({ type: 'cri.runSandbox' })
      return (await harness.next('cri.sandboxReady')).podIP
    },
    start: (container, attempt = 0, env = {}) => send({ type: 'cri.startContainer', container, env, init: false, attempt }),
    next: (type, match) => {
      type R = Extract<CriReport, { type: typeof type }>
      const fits = (report: CriReport): report is R => report.type === type && (match?.(report as R) ?? true)
      for (; seen < reports.length; seen++) {
        const report = reports[seen]!
        if (fits(report)) {
          seen++
          return Promise.resolve(report)
        }
      }
      return new Promise((resolve) => {
        waiters.add((report) => {
          if (!fits(report)) return false
          seen = reports.length
          resolve(report)
          return true
        })
      })
    },
    stop: () => actor.stop(),
  }
  return harness
}
