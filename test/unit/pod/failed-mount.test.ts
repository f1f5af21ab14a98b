/**
 * A pod whose volumes cannot be set up (a ConfigMap it mounts does not exist): Kubernetes'
 * FailedMount Warning with the volume's message, the containers waiting in ContainerCreating, and
 * the sandbox retried with back-off until the mount succeeds.
 */
import t from 'tap'
import { makePod, runPod } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }
const MESSAGE = 'MountVolume.SetUp failed for volume "config" : configmap "game" not found'

t.test('pod - a failed mount is a FailedMount event; ContainerCreating until a retry mounts it', async (t) => {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.clear()
  h.reply({ type: 'cri.sandboxFailed', message: MESSAGE, reason: 'FailedMount' })
  t.strictSame(h.events(), [`Warning FailedMount ${MESSAGE}`])
  t.equal(h.lastStatus().phase, 'Pending')
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } })
  h.advance(10_000)
  t.strictSame(h.take(), [{ type: 'cri.runSandbox' }], 'the sandbox is tried again after the back-off')
  h.clear()
  h.reply({ type: 'cri.sandboxFailed', message: MESSAGE, reason: 'FailedMount' })
  t.strictSame(h.events(), [`Warning FailedMount ${MESSAGE}`])
  h.advance(19_900)
  t.strictSame(h.take(), [], 'the second wait is 20 s')
  h.advance(100)
  t.strictSame(h.take(), [{ type: 'cri.runSandbox' }])
  h.sandboxReady()
  t.equal(h.take()[0]?.type, 'cri.startContainer', 'mounted: the containers start')
})
