import t from 'tap'
import type { ContainerStatus } from '../../../actors/kube/objects.ts'
import { T0, iso, makePod, runPod } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }
const spec = (restartPolicy: 'Always' | 'OnFailure' | 'Never') =>
  makePod({
    restartPolicy,
    initContainers: [
      { name: 'migrate', image: 'busybox' },
      { name: 'warm', image: 'busybox' },
    ],
    containers: [{ name: 'app', image: 'nginx:1' }],
  })
const waiting = (s: ContainerStatus | undefined) => s?.state?.waiting?.reason
const brief = (ss: readonly ContainerStatus[] | undefined) =>
  (ss ?? []).map((s) => `${s.name}:${Object.keys(s.state ?? {})[0] ?? '?'}:${s.state?.waiting?.reason ?? s.state?.terminated?.exitCode ?? ''}:${String(s.ready)}`)

t.test('pod - init containers run one by one, each after the previous exited 0, then the containers', async (t) => {
  const h = runPod(spec('Always'), { backoff: BACKOFF })
  const first = h.lastStatus()
  t.strictSame(brief(first.initContainerStatuses), ['migrate:waiting:PodInitializing:false', 'warm:waiting:PodInitializing:false'])
  t.strictSame(brief(first.containerStatuses), ['app:waiting:PodInitializing:false'])
  t.strictSame(first.conditions?.[0], {
    type: 'Initialized',
    status: 'False',
    reason: 'ContainersNotInitialized',
    message: 'containers with incomplete status: [migrate warm]',
    lastTransitionTime: iso(T0),
  })
  h.take()
  h.sandboxReady()
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'migrate', image: 'busybox' }, env: {}, init: true, attempt: 0 }])
  h.started('migrate')
  t.strictSame(brief(h.lastStatus().initContainerStatuses), ['migrate:running::false', 'warm:waiting:PodInitializing:false'])
  t.equal(h.lastStatus().initContainerStatuses?.[0]?.started, true)
  t.equal(h.lastStatus().phase, 'Pending')
  h.advance(2000)
  h.exited('migrate', 0)
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'warm', image: 'busybox' }, env: {}, init: true, attempt: 0 }])
  t.strictSame(brief(h.lastStatus().initContainerStatuses), ['migrate:terminated:0:true', 'warm:waiting:PodInitializing:false'])
  t.equal(h.lastStatus().conditions?.[0]?.message, 'containers with incomplete status: [warm]')
  h.started('warm')
  t.strictSame(h.take(), [], 'the app waits for warm')
  h.advance(1000)
  h.exited('warm', 0)
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'app', image: 'nginx:1' }, env: {}, init: false, attempt: 0 }])
  t.strictSame(h.lastStatus().conditions?.[0], { type: 'Initialized', status: 'True', lastTransitionTime: iso(T0 + 3000) })
  t.equal(h.lastStatus().phase, 'Pending')
  t.equal(waiting(h.lastStatus().containerStatuses?.[0]), 'PodInitializing')
  h.started('app')
  t.equal(h.lastStatus().phase, 'Running')
  t.equal(h.lastStatus().conditions?.[1]?.status, 'True')
})

t.test('pod - a failing init container is restarted at once (Init:Error), then with back-off (Init:CrashLoopBackOff); the pod stays Pending', async (t) => {
  const h = runPod(spec('OnFailure'), { backoff: BACKOFF })
  h.sandboxReady()
  h.started('migrate')
  h.clear()
  h.exited('migrate', 3)
  const migrate = (attempt: number) => ({ type: 'cri.startContainer', container: { name: 'migrate', image: 'busybox' }, env: {}, init: true, attempt })
  t.strictSame(h.take(), [migrate(1)], 'the first exit: restarted at once')
  t.equal(h.lastStatus().phase, 'Pending')
  t.strictSame(brief(h.lastStatus().initContainerStatuses), ['migrate:terminated:3:false', 'warm:waiting:PodInitializing:false'])
  h.started('migrate', 'process://migrate-2')
  h.exited('migrate', 3, 'process://migrate-2')
  const s = h.lastStatus()
  t.equal(s.phase, 'Pending')
  t.equal(waiting(s.initContainerStatuses?.[0]), 'CrashLoopBackOff')
  t.equal(s.initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 3)
  t.strictSame(h.take(), [])
  h.advance(10_000)
  t.strictSame(h.take(), [migrate(2)])
  h.started('migrate', 'process://migrate-3')
  h.exited('migrate', 0, 'process://migrate-3')
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'warm', image: 'busybox' }, env: {}, init: true, attempt: 0 }])
  t.equal(h.lastStatus().initContainerStatuses?.[0]?.restartCount, 2)
})

t.test('pod - restartPolicy Never: an init failure fails the pod and nothing else starts', async (t) => {
  const h = runPod(spec('Never'), { backoff: BACKOFF })
  h.sandboxReady()
  h.started('migrate')
  h.clear()
  h.exited('migrate', 1)
  t.strictSame(h.take(), [])
  const s = h.lastStatus()
  t.equal(s.phase, 'Failed')
  t.strictSame(brief(s.initContainerStatuses), ['migrate:terminated:1:false', 'warm:waiting:PodInitializing:false'])
  t.strictSame(brief(s.containerStatuses), ['app:waiting:PodInitializing:false'])
  h.advance(60_000)
  t.strictSame(h.take(), [])
})
