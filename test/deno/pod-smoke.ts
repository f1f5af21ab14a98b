/**
 * The pod actor under whatever runtime runs this (Deno in CI): a pod with an init container and
 * a crashing container, on a runtime that does at once what it is told and a simulated clock.
 * Returns what went wrong, or nothing.
 */
import { createActor, fromCallback, setup, SimulatedClock, type AnyEventObject } from 'xstate'
import type { Pod, PodStatus } from '../../actors/kube/objects.ts'
import { podMachine } from '../../actors/pod/pod.machine.ts'
import type { CriCommand, CriReport, PodRuntimeInput } from '../../actors/pod/pod-protocol.ts'

export async function podSmoke(): Promise<string[]> {
  const clock = new SimulatedClock()
  const T0 = Date.parse('2026-01-01T00:00:00Z')
  clock.set(T0)
  const at = () => new Date(clock.now()).toISOString()
  let crashes = 0
  const runtime = fromCallback<CriCommand, PodRuntimeInput>(({ receive, sendBack }) => {
    const reply = (e: CriReport) => queueMicrotask(() => sendBack(e))
    receive((c) => {
      if (c.type === 'cri.runSandbox') reply({ type: 'cri.sandboxReady', podIP: '10.1.0.2' })
      if (c.type !== 'cri.startContainer') return
      const name = c.container.name
      reply({ type: 'cri.containerStarted', name, containerID: `x://${name}-${c.attempt}`, startedAt: at(), image: c.container.image ?? '', imageID: 'x' })
      // The init container succeeds; the app crashes on its first two starts.
      if (c.init || crashes < 2) {
        if (!c.init) crashes++
        const exitCode = c.init ? 0 : 1
        reply({ type: 'cri.containerExited', name, containerID: `x://${name}-${c.attempt}`, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at(), finishedAt: at() })
      }
    })
  })
  const pod: Pod = {
    metadata: { name: 'smoke', namespace: 'default', uid: 'u1' },
    spec: { nodeName: 'n1', initContainers: [{ name: 'init', image: 'actorkube/sleep' }], containers: [{ name: 'app', image: 'actorkube/echo' }] },
  }
  let latest: PodStatus | undefined
  const parent = setup({ actors: { pod: podMachine.provide({ actors: { runtime } }) } }).createMachine({
    invoke: { id: 'pod', src: 'pod', input: { pod, nodeName: 'n1', hostIP: '10.0.0.1', now: () => clock.now(), backoff: { initialMs: 1000, maxMs: 4000, resetAfterMs: 60_000 } } },
    on: { 'pod.status': { actions: ({ event }: { event: AnyEventObject }) => void (latest = (event as unknown as { status: PodStatus }).status) } },
  })
  const actor = createActor(parent, { clock })
  actor.start()
  const settle = () => new Promise((r) => setTimeout(r, 1))
  for (let i = 0; i < 100; i++) {
    clock.increment(100)
    await settle()
  }
  actor.stop()
  const app = latest?.containerStatuses?.[0]
  const failures: string[] = []
  if (latest?.phase !== 'Running') failures.push(`pod phase ${String(latest?.phase)}, expected Running`)
  if (app?.restartCount !== 2) failures.push(`app restartCount ${String(app?.restartCount)}, expected 2 (two crashes, restarted after back-off)`)
  if (!app?.ready) failures.push('app not ready')
  if (latest?.initContainerStatuses?.[0]?.state?.terminated?.exitCode !== 0) failures.push('init container did not complete')
  return failures
}
