/**
 * Drives a pod actor the way the kubelet would: a parent machine spawns it and records its
 * reports, a scripted `runtime` child records the cri.* commands and lets the test answer, and
 * a SimulatedClock is the only time there is.
 */
import { type AnyEventObject, createActor, fromCallback, setup, SimulatedClock } from 'xstate'
import { rfc3339Seconds } from '../../../actors/apiserver/meta/object-meta.ts'
import type { Container, Pod, PodStatus } from '../../../actors/kube/objects.ts'
import { podMachine } from '../../../actors/pod/pod.machine.ts'
import type { CriCommand, CriReport, PodActorInput, PodCommand, PodReport, PodRuntimeInput } from '../../../actors/pod/pod-protocol.ts'

export const T0 = Date.parse('2026-01-01T00:00:00Z')
export const UID = 'uid-1'
export const iso = (ms: number): string => rfc3339Seconds(ms)

export function makePod(spec: Partial<Pod['spec']> & { containers?: Container[] }, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: UID, ...meta },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx:1' }], ...spec },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T23:59:00Z' }] },
  }
}

const isReport = (e: AnyEventObject): e is PodReport => e.type === 'pod.status' || e.type === 'pod.event' || e.type === 'pod.terminated'

export function runPod(pod: Pod, options: { backoff?: PodActorInput['backoff'] } = {}) {
  const clock = new SimulatedClock()
  clock.set(T0)
  const commands: CriCommand[] = []
  const runtimeInputs: PodRuntimeInput[] = []
  let reply: ((e: CriReport) => void) | undefined
  const runtime = fromCallback<CriCommand, PodRuntimeInput>(({ input, receive, sendBack }) => {
    runtimeInputs.push(input)
    reply = sendBack
    receive((c) => commands.push(c))
  })
  const reports: PodReport[] = []
  let done = false
  let latest: PodStatus | undefined
  let failure: AnyEventObject | undefined
  const check = (): void => {
    if (failure) throw new Error(`pod actor failed: ${String((failure as { error?: unknown }).error)}`)
  }
  const input: PodActorInput = { pod, nodeName: 'node-1', hostIP: '10.0.0.1', now: () => clock.now(), ...(options.backoff ? { backoff: options.backoff } : {}) }
  const kubelet = setup({ actors: { pod: podMachine.provide({ actors: { runtime } }) } }).createMachine({
    invoke: { id: 'pod', src: 'pod', input },
    on: {
      '*': {
        actions: ({ event }) => {
          if (isReport(event)) reports.push(event)
          if (event.type === 'pod.status') latest = (event as PodReport & { type: 'pod.status' }).status
          if (event.type === 'xstate.done.actor.pod') done = true
          if (event.type === 'xstate.error.actor.pod') failure = event
        },
      },
    },
  })
  const actor = createActor(kubelet, { clock })
  actor.start()
  const podActor = () => {
    const ref = actor.getSnapshot().children['pod']
    if (!ref) throw new Error('pod actor gone')
    return ref
  }
  const h = {
    clock,
    runtimeInputs,
    get done() {
      return done
    },
    podState: (): unknown => podActor().getSnapshot().value,
    /** What the runtime received since the last take. */
    take: (): CriCommand[] => commands.splice(0),
    reply: (e: CriReport): void => {
      if (!reply) throw new Error('runtime not started')
      reply(e)
      check()
    },
    send: (e: PodCommand): void => {
      podActor().send(e)
      check()
    },
    /** Advances virtual time in 100 ms steps, so each timer fires at its own time. */
    advance: (ms: number): void => {
      for (let left = ms; left > 0; left -= 100) clock.increment(Math.min(100, left))
      check()
    },
    /** Reports since the last take: statuses, events as "Type Reason message", terminations. */
    takeReports: (): PodReport[] => reports.splice(0),
    statuses: (): PodStatus[] => reports.filter((r) => r.type === 'pod.status').map((r) => r.status),
    events: (): string[] => reports.flatMap((r) => (r.type === 'pod.event' ? [`${r.eventType} ${r.reason} ${r.message}`] : [])),
    /** The newest status reported, cleared or not. */
    lastStatus: (): PodStatus => {
      if (!latest) throw new Error('no status reported')
      return latest
    },
    clear: (): void => {
      reports.splice(0)
      commands.splice(0)
    },
    sandboxReady: (podIP = '10.1.0.5'): void => h.reply({ type: 'cri.sandboxReady', podIP }),
    started: (name: string, id = `process://${name}-1`, image = 'docker.io/library/nginx:1'): void =>
      h.reply({ type: 'cri.containerStarted', name, containerID: id, startedAt: iso(clock.now()), image, imageID: `${image}@sha256:abc` }),
    exited: (name: string, exitCode: number, id = `process://${name}-1`, startedAt = iso(T0)): void =>
      h.reply({
        type: 'cri.containerExited',
        name,
        containerID: id,
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: iso(clock.now()),
      }),
  }
  return h
}

export type Harness = ReturnType<typeof runPod>
