import t from 'tap'
import { T0, UID, iso, makePod, runPod } from './harness.ts'

const two = () => makePod({ terminationGracePeriodSeconds: 45, containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] })
const deleted = (grace?: number) =>
  makePod(
    { terminationGracePeriodSeconds: 45, containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] },
    { deletionTimestamp: iso(T0 + 60_000), ...(grace !== undefined ? { deletionGracePeriodSeconds: grace } : {}) },
  )

t.test('termination - a deletion stops every container with its grace, then removes the sandbox, then pod.terminated', async (t) => {
  const h = runPod(two())
  h.sandboxReady()
  h.started('a')
  h.started('b')
  h.clear()
  h.advance(60_000)
  h.send({ type: 'pod.updated', pod: deleted(20) })
  t.equal(h.podState(), 'terminating')
  t.strictSame(h.events(), ['Normal Killing Stopping container a', 'Normal Killing Stopping container b'])
  t.strictSame(h.take(), [
    { type: 'cri.stopContainer', name: 'a', graceSeconds: 20 },
    { type: 'cri.stopContainer', name: 'b', graceSeconds: 20 },
  ])
  h.exited('a', 0)
  t.strictSame(h.take(), [], 'no restart while terminating, and b still runs')
  h.advance(20_000)
  t.strictSame(h.take(), [])
  h.exited('b', 137)
  t.strictSame(h.take(), [{ type: 'cri.removeSandbox' }])
  const s = h.lastStatus()
  t.equal(s.phase, 'Failed', 'a deleted pod with a container killed by signal ends Failed')
  t.strictSame(s.containerStatuses?.map((c) => c.state?.terminated?.exitCode), [0, 137])
  t.notOk(h.done)
  h.clear()
  h.reply({ type: 'cri.sandboxRemoved' })
  t.strictSame(h.takeReports(), [{ type: 'pod.terminated', uid: UID }])
  t.ok(h.done, 'the pod actor reached its final state')
})

t.test('termination - grace defaults: deletionGracePeriodSeconds, else terminationGracePeriodSeconds', async (t) => {
  const h = runPod(two())
  h.sandboxReady()
  h.started('a')
  h.take()
  h.send({ type: 'pod.updated', pod: deleted() })
  t.strictSame(h.take(), [{ type: 'cri.stopContainer', name: 'a', graceSeconds: 45 }])
  h.send({ type: 'pod.updated', pod: deleted() })
  t.strictSame(h.take(), [], 'the same deletion again changes nothing')
})

t.test('termination - a second pod.stop with a shorter grace re-sends stopContainer; a longer one does not', async (t) => {
  const h = runPod(two())
  h.sandboxReady()
  h.started('a')
  h.started('b')
  h.take()
  h.send({ type: 'pod.stop', graceSeconds: 30 })
  h.take()
  h.exited('b', 0)
  h.clear()
  h.send({ type: 'pod.stop', graceSeconds: 60 })
  t.strictSame(h.take(), [])
  h.send({ type: 'pod.stop', graceSeconds: 2 })
  t.strictSame(h.take(), [{ type: 'cri.stopContainer', name: 'a', graceSeconds: 2 }], 'only the container still stopping')
  t.strictSame(h.events(), [])
  h.exited('a', 143)
  t.strictSame(h.take(), [{ type: 'cri.removeSandbox' }])
})

t.test('termination - containers waiting in back-off are not restarted, and one starting when termination began is stopped once it starts', async (t) => {
  const h = runPod(two(), { backoff: { initialMs: 1000, maxMs: 8000, resetAfterMs: 60_000 } })
  h.sandboxReady()
  h.started('a')
  h.exited('a', 1)
  h.take()
  h.send({ type: 'pod.stop', graceSeconds: 5 })
  t.strictSame(h.take(), [], 'b is still starting: nothing to stop yet, sandbox still in use')
  h.advance(10_000)
  t.strictSame(h.take(), [], 'a is not restarted')
  h.started('b')
  t.strictSame(h.take(), [{ type: 'cri.stopContainer', name: 'b', graceSeconds: 5 }])
  h.exited('b', 0)
  t.strictSame(h.take(), [{ type: 'cri.removeSandbox' }])
  t.equal(h.lastStatus().phase, 'Failed')
})

t.test('termination - a Succeeded pod stops nothing but is still removed', async (t) => {
  const h = runPod(makePod({ restartPolicy: 'Never' }))
  h.sandboxReady()
  h.started('app')
  h.exited('app', 0)
  t.equal(h.lastStatus().phase, 'Succeeded')
  h.clear()
  h.send({ type: 'pod.stop', graceSeconds: 30 })
  t.strictSame(h.take(), [{ type: 'cri.removeSandbox' }])
  t.strictSame(h.events(), [])
  h.reply({ type: 'cri.sandboxRemoved' })
  t.strictSame(h.takeReports(), [{ type: 'pod.terminated', uid: UID }])
  t.equal(h.lastStatus().phase, 'Succeeded', 'the terminal phase sticks')
  t.ok(h.done)
})

t.test('termination - deleted before the sandbox is ready: waits for it, removes it, ends Failed', async (t) => {
  const h = runPod(two())
  h.take()
  h.send({ type: 'pod.stop', graceSeconds: 30 })
  t.strictSame(h.take(), [])
  h.sandboxReady()
  t.strictSame(h.take(), [{ type: 'cri.removeSandbox' }], 'no container is started')
  h.reply({ type: 'cri.sandboxRemoved' })
  t.equal(h.lastStatus().phase, 'Failed')
  t.ok(h.done)
})

t.test('termination - a pod.updated for another uid is ignored', async (t) => {
  const h = runPod(two())
  h.sandboxReady()
  h.started('a')
  h.take()
  h.send({ type: 'pod.updated', pod: makePod({}, { uid: 'other', deletionTimestamp: iso(T0) }) })
  t.strictSame(h.take(), [])
  t.equal(h.podState(), 'active')
})
