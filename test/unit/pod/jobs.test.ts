import t from 'tap'
import { T0, iso, makePod, runPod } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }

t.test('pod - an OnFailure job that fails once is restarted and ends Succeeded', async (t) => {
  const h = runPod(makePod({ restartPolicy: 'OnFailure', containers: [{ name: 'job', image: 'busybox' }] }), { backoff: BACKOFF })
  h.sandboxReady()
  h.started('job', 'process://job-1')
  h.advance(5000)
  h.clear()
  h.exited('job', 1, 'process://job-1', iso(T0))
  t.equal(h.lastStatus().phase, 'Running', 'OnFailure with a failure is restarting: Running')
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'job', image: 'busybox' }, env: {}, init: false, attempt: 1 }], 'its first failure: restarted at once')
  h.started('job', 'process://job-2')
  h.advance(3000)
  h.clear()
  h.exited('job', 0, 'process://job-2', iso(T0 + 5000))
  t.strictSame(h.take(), [], 'no restart after exit 0')
  const s = h.lastStatus()
  t.equal(s.phase, 'Succeeded')
  t.strictSame(s.containerStatuses, [
    {
      name: 'job',
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: iso(T0 + 5000), finishedAt: iso(T0 + 8000), containerID: 'process://job-2' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: iso(T0), finishedAt: iso(T0 + 5000), containerID: 'process://job-1' } },
      ready: false,
      restartCount: 1,
      image: 'docker.io/library/nginx:1',
      imageID: 'docker.io/library/nginx:1@sha256:abc',
      containerID: 'process://job-2',
      started: false,
    },
  ])
  t.strictSame(
    s.conditions?.map((c) => [c.type, c.status, c.reason]),
    [
      ['Initialized', 'True', undefined],
      ['Ready', 'False', 'PodCompleted'],
      ['ContainersReady', 'False', 'PodCompleted'],
      ['PodScheduled', 'True', undefined],
    ],
  )
  h.advance(120_000)
  t.strictSame(h.take(), [], 'a Succeeded pod runs nothing more')
})

t.test('pod - restartPolicy Never: one failed container and one succeeded make the pod Failed once both stopped', async (t) => {
  const h = runPod(makePod({ restartPolicy: 'Never', containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] }))
  h.sandboxReady()
  t.strictSame(h.take().map((c) => c.type), ['cri.runSandbox', 'cri.startContainer', 'cri.startContainer'])
  h.started('a')
  h.started('b')
  h.exited('a', 2)
  t.equal(h.lastStatus().phase, 'Running', 'b still runs')
  t.strictSame(h.take(), [], 'Never: no restart')
  h.exited('b', 0)
  t.equal(h.lastStatus().phase, 'Failed')
  t.strictSame(h.lastStatus().containerStatuses?.map((c) => [c.name, c.state?.terminated?.exitCode, c.restartCount]), [
    ['a', 2, 0],
    ['b', 0, 0],
  ])
  t.strictSame(h.events().filter((e) => e.includes('BackOff')), [])
})

t.test('pod - restartPolicy Never: all exited 0 is Succeeded', async (t) => {
  const h = runPod(makePod({ restartPolicy: 'Never' }))
  h.sandboxReady()
  h.started('app')
  h.exited('app', 0)
  t.equal(h.lastStatus().phase, 'Succeeded')
})

t.test('pod - restartPolicy Always: an exit 0 is restarted too and the pod stays Running', async (t) => {
  const h = runPod(makePod({}))
  h.sandboxReady()
  h.started('app')
  h.clear()
  h.exited('app', 0)
  t.equal(h.lastStatus().phase, 'Running')
  t.strictSame(h.take().map((c) => c.type), ['cri.startContainer'], 'the first exit: restarted at once')
  h.started('app', 'process://app-2')
  h.exited('app', 0, 'process://app-2')
  t.equal(h.lastStatus().phase, 'Running')
  t.equal(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.reason, 'CrashLoopBackOff', 'the second: back-off')
})
