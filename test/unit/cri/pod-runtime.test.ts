import t from 'tap'
import type { ContainerExit, ContainerInfo } from '../../../runtime/cri/container-runtime.ts'
import { routedExits } from '../../../runtime/cri/exit-router.ts'
import { HollowRuntime } from '../../../runtime/cri/hollow/hollow-runtime.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { podRuntimeHarness, testPod } from './pod-runtime-harness.ts'
import { flush } from '../../helpers/flush.ts'

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
const app = { name: 'app', image: 'actorkube/echo' }

/** Counts onExit subscriptions, which must stay at one however many pods there are. */
class CountingRuntime extends HollowRuntime {
  subscriptions = 0
  override onExit(listener: (container: ContainerInfo, exit: ContainerExit) => void): () => void {
    this.subscriptions++
    const unsubscribe = super.onExit(listener)
    return () => {
      this.subscriptions--
      unsubscribe()
    }
  }
}

t.test('pod runtime - sandbox, start, probe, scheduled exit, remove', async (t) => {
  const clock = new VirtualClock(1_700_000_000_000)
  const runtime = new CountingRuntime({ clock })
  const pod = podRuntimeHarness(t, runtime, testPod('web', [app], { 'hollow.actorkube.io/exit-after-ms': '1500', 'hollow.actorkube.io/exit-code': '2' }))
  t.equal(await pod.runSandbox(), '10.128.0.1')
  pod.start(app)
  const started = await pod.next('cri.containerStarted')
  t.match(started, { name: 'app', containerID: /^hollow:\/\/[0-9a-f]{16}$/, startedAt: '2023-11-14T22:13:20Z', image: 'actorkube/echo:latest', imageID: /^hollow:\/\// })
  pod.send({ type: 'cri.probe', name: 'app', kind: 'readiness', probe: {}, seq: 7 })
  t.match(await pod.next('cri.probeResult'), { name: 'app', kind: 'readiness', seq: 7, ok: true })
  pod.send({ type: 'cri.probe', name: 'other', kind: 'liveness', probe: {}, seq: 8 })
  t.match(await pod.next('cri.probeResult'), { name: 'other', seq: 8, ok: false })
  clock.runUntil(clock.now() + 1500)
  const exited = await pod.next('cri.containerExited')
  t.match(exited, { name: 'app', containerID: started.containerID, exitCode: 2, reason: 'Error', startedAt: RFC3339, finishedAt: '2023-11-14T22:13:21Z' })
  t.equal(routedExits(runtime), 1)
  pod.send({ type: 'cri.removeSandbox' })
  await pod.next('cri.sandboxRemoved')
  t.equal(routedExits(runtime), 0)
  t.equal(runtime.subscriptions, 0, 'the shared subscription goes with the last container')
  t.equal(runtime.stats().sandboxes, 0)
})

t.test('pod runtime - a CriError becomes containerFailed with its reason', async (t) => {
  const runtime = new HollowRuntime({ clock: new VirtualClock(0) })
  const pod = podRuntimeHarness(t, runtime, testPod('bad', [app], { 'hollow.actorkube.io/fail-start': 'ErrImagePull' }))
  await pod.runSandbox()
  pod.start(app)
  t.match(await pod.next('cri.containerFailed'), { name: 'app', reason: 'ErrImagePull', message: /fail-start/ })
  pod.start({ name: 'x', image: 'Bad Image' })
  t.match(await pod.next('cri.containerFailed'), { name: 'x', reason: 'InvalidImageName' })
})

t.test('pod runtime - starting without a sandbox fails instead of hanging', async (t) => {
  const pod = podRuntimeHarness(t, new HollowRuntime(), testPod('nosandbox', [app]))
  pod.start(app)
  t.match(await pod.next('cri.containerFailed'), { reason: 'CreateContainerError' })
})

t.test('pod runtime - restarts keep the previous attempt (logs --previous) and drop older ones', async (t) => {
  const clock = new VirtualClock(0)
  const runtime = new HollowRuntime({ clock })
  const pod = podRuntimeHarness(t, runtime, testPod('crash', [app], { 'hollow.actorkube.io/exit-after-ms': '10', 'hollow.actorkube.io/exit-code': '1' }))
  await pod.runSandbox()
  for (let attempt = 0; attempt < 4; attempt++) {
    pod.start(app, attempt)
    await pod.next('cri.containerStarted')
    clock.runUntil(clock.now() + 10)
    t.match(await pod.next('cri.containerExited'), { exitCode: 1 })
  }
  t.same(runtime.listContainers({ podUid: 'uid-crash', name: 'app' }).map((c) => c.attempt).sort(), [2, 3])
  t.equal(routedExits(runtime), 2)
})

t.test('pod runtime - a stop waits for the start of the same container; the exit follows the start', async (t) => {
  const clock = new VirtualClock(0)
  const runtime = new HollowRuntime({ clock })
  const pod = podRuntimeHarness(t, runtime, testPod('slow', [app], { 'hollow.actorkube.io/start-latency-ms': '100' }))
  await pod.runSandbox()
  pod.start(app)
  pod.send({ type: 'cri.stopContainer', name: 'app', graceSeconds: 30 })
  await flush()
  clock.runUntil(clock.now() + 100)
  const exited = await pod.next('cri.containerExited')
  t.match(exited, { exitCode: 143, signal: 15 })
  t.same(pod.reports.map((r) => r.type), ['cri.sandboxReady', 'cri.containerStarted', 'cri.containerExited'])
})

t.test('pod runtime - many pods share one onExit subscription; a stopped pod actor leaks nothing', async (t) => {
  const clock = new VirtualClock(0)
  const runtime = new CountingRuntime({ clock })
  const pods = Array.from({ length: 50 }, (_, i) => podRuntimeHarness(t, runtime, testPod(`p${i}`, [app])))
  for (const pod of pods) pod.send({ type: 'cri.runSandbox' })
  for (const pod of pods) await pod.next('cri.sandboxReady')
  for (const pod of pods) pod.start(app)
  for (const pod of pods) await pod.next('cri.containerStarted')
  t.equal(runtime.subscriptions, 1)
  t.equal(routedExits(runtime), 50)
  pods[0]!.send({ type: 'cri.stopContainer', name: 'app', graceSeconds: 1 })
  await pods[0]!.next('cri.containerExited')
  t.equal(pods[1]!.reports.length, 2, 'only the stopped pod heard the exit')
  for (const pod of pods) pod.stop()
  t.equal(routedExits(runtime), 0)
  t.equal(runtime.subscriptions, 0)
  await flush()
  t.equal(runtime.stats().sandboxes, 0, 'sandboxes of stopped pod actors are removed')
  t.equal(pods[1]!.reports.length, 2, 'nothing is reported after stop')
})
