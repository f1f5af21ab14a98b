import t from 'tap'
import { T0, UID, iso, makePod, runPod } from './harness.ts'

t.test('pod - a simple pod goes Pending, then Running and Ready', async (t) => {
  const h = runPod(makePod({ containers: [{ name: 'app', image: 'nginx:1', env: [{ name: 'A', value: 'x' }] }] }))
  t.strictSame(h.runtimeInputs, [{ pod: makePod({ containers: [{ name: 'app', image: 'nginx:1', env: [{ name: 'A', value: 'x' }] }] }), nodeName: 'node-1', hostIP: '10.0.0.1' }])
  t.strictSame(h.take(), [{ type: 'cri.runSandbox' }])
  t.strictSame(h.takeReports(), [
    {
      type: 'pod.status',
      uid: UID,
      status: {
        phase: 'Pending',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: iso(T0) },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: iso(T0) },
          { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: iso(T0) },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T23:59:00Z' },
        ],
        hostIP: '10.0.0.1',
        startTime: iso(T0),
        containerStatuses: [
          { name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'nginx:1', imageID: '', started: false },
        ],
      },
    },
  ])

  h.advance(2000)
  h.sandboxReady('10.1.0.5')
  t.strictSame(h.take(), [
    { type: 'cri.startContainer', container: { name: 'app', image: 'nginx:1', env: [{ name: 'A', value: 'x' }] }, env: { A: 'x' }, init: false, attempt: 0 },
  ])
  const pending = h.lastStatus()
  t.equal(pending.phase, 'Pending')
  t.equal(pending.podIP, '10.1.0.5')
  t.strictSame(pending.podIPs, [{ ip: '10.1.0.5' }])
  h.clear()

  h.advance(1000)
  h.started('app')
  t.strictSame(h.events(), [
    'Normal Pulled Container image "nginx:1" already present on machine',
    'Normal Created Created container app',
    'Normal Started Started container app',
  ])
  const running = h.lastStatus()
  t.equal(running.phase, 'Running')
  t.strictSame(running.conditions, [
    { type: 'Initialized', status: 'True', lastTransitionTime: iso(T0) },
    { type: 'Ready', status: 'True', lastTransitionTime: iso(T0 + 3000) },
    { type: 'ContainersReady', status: 'True', lastTransitionTime: iso(T0 + 3000) },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T23:59:00Z' },
  ])
  t.strictSame(running.containerStatuses, [
    {
      name: 'app',
      state: { running: { startedAt: iso(T0 + 3000) } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'docker.io/library/nginx:1',
      imageID: 'docker.io/library/nginx:1@sha256:abc',
      containerID: 'process://app-1',
      started: true,
    },
  ])
  t.equal(h.podState(), 'active')
  h.clear()

  // Nothing changes: no status is sent again, however long it runs.
  h.advance(60_000)
  t.strictSame(h.takeReports(), [])
  t.strictSame(h.take(), [])
})

t.test('pod - a pod.updated without deletion is taken quietly', async (t) => {
  const h = runPod(makePod({}))
  h.sandboxReady()
  h.started('app')
  h.clear()
  h.send({ type: 'pod.updated', pod: makePod({}, { labels: { a: 'b' } }) })
  t.strictSame(h.takeReports(), [])
  t.strictSame(h.take(), [])
})
