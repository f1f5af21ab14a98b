import t from 'tap'
import { makePod, runPod } from './harness.ts'

const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }
const FAILED = { type: 'cri.containerFailed', name: 'app', reason: 'ErrImagePull', message: 'Failed to pull image "nginx:nope": not found' } as const

t.test('pod - ErrImagePull, then ImagePullBackOff until the retry; a later pull succeeds', async (t) => {
  const h = runPod(makePod({ containers: [{ name: 'app', image: 'nginx:nope' }] }), { backoff: BACKOFF })
  h.sandboxReady()
  h.clear()
  h.reply(FAILED)
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.state, { waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "nginx:nope": not found' } })
  t.equal(h.lastStatus().phase, 'Pending')
  t.strictSame(h.events(), ['Warning Failed Failed to pull image "nginx:nope": not found', 'Warning Failed Error: ErrImagePull'])
  h.clear()
  h.advance(1000)
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.state, { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:nope"' } })
  t.strictSame(h.events(), ['Normal BackOff Back-off pulling image "nginx:nope"', 'Warning Failed Error: ImagePullBackOff'])
  t.strictSame(h.take(), [])
  h.advance(9000)
  t.strictSame(h.take(), [{ type: 'cri.startContainer', container: { name: 'app', image: 'nginx:nope' }, env: {}, init: false, attempt: 0 }])
  h.reply(FAILED)
  h.take()
  h.advance(19_900)
  t.strictSame(h.take(), [], 'the second wait is 20 s')
  h.advance(100)
  t.equal(h.take()[0]?.type, 'cri.startContainer')
  h.started('app')
  t.equal(h.lastStatus().phase, 'Running')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 0, 'a failed create is not a restart')
})

t.test('pod - CreateContainerError stays shown until the retry', async (t) => {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.sandboxReady()
  h.reply({ type: 'cri.containerFailed', name: 'app', reason: 'CreateContainerError', message: 'no such command' })
  h.advance(5000)
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.state, { waiting: { reason: 'CreateContainerError', message: 'no such command' } })
})

t.test('pod - a sandbox that fails is retried with back-off', async (t) => {
  const h = runPod(makePod({}), { backoff: BACKOFF })
  h.clear()
  h.reply({ type: 'cri.sandboxFailed', message: 'no IPs left' })
  t.strictSame(h.events(), ['Warning FailedCreatePodSandBox Failed to create pod sandbox: no IPs left'])
  h.advance(9900)
  t.strictSame(h.take(), [])
  h.advance(100)
  t.strictSame(h.take(), [{ type: 'cri.runSandbox' }])
  h.sandboxReady()
  t.equal(h.take()[0]?.type, 'cri.startContainer')
})
