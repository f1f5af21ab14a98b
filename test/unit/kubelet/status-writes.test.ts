/** The kubelet's status writes (actors/kubelet/status-writes.ts), driven through the engine step on a virtual clock. */
import t from 'tap'
import type { PodStatus } from '../../../actors/kube/objects.ts'
import type { PodRef } from '../../../actors/kubelet/kubelet-protocol.ts'
import { STATUS_RETRY_MS, statusDigest } from '../../../actors/kubelet/status-writes.ts'
import { boundPod, EngineDriver } from './engine-driver.ts'

const ref = (uid: string): PodRef => ({ namespace: 'default', name: `p-${uid}`, uid })
const phase = (p: PodStatus['phase']): PodStatus => ({ phase: p })
const write = (uid: string, status: PodStatus) => ({ type: 'kubelet.writeStatus', nodeName: 'node-1', pod: ref(uid), status }) as const
const patches = (d: EngineDriver) => d.take('patchStatus').map((e) => `${e.pod.uid}:${e.status.phase}`)

t.test('status writes - statuses that arrive while a write is out replace each other: only the newest goes next', async (t) => {
  const d = new EngineDriver(['node-1'])
  d.step(write('u1', phase('Pending')))
  const [first] = d.take('patchStatus')
  t.same(first && `${first.pod.uid}:${first.status.phase}`, 'u1:Pending')
  d.step(write('u1', phase('Running'))).step(write('u1', phase('Succeeded')))
  t.same(patches(d), [], 'nothing more while the first is out')
  d.step({ type: 'statusWritten', write: first!.write, uid: 'u1', outcome: 'written' })
  t.same(patches(d), ['u1:Succeeded'], 'the newest, once')
})

t.test('status writes - at most `concurrency` out at once, the rest in arrival order', async (t) => {
  const d = new EngineDriver(['node-1'], 2)
  for (const uid of ['a', 'b', 'c', 'd']) d.step(write(uid, phase('Running')))
  const out = d.take('patchStatus')
  t.same(out.map((e) => e.pod.uid), ['a', 'b'])
  d.step({ type: 'statusWritten', write: out[1]!.write, uid: 'b', outcome: 'written' })
  t.same(patches(d), ['c:Running'], 'a freed slot goes to the next waiting')
  d.step({ type: 'statusWritten', write: out[0]!.write, uid: 'a', outcome: 'gone' })
  t.same(patches(d), ['d:Running'])
})

t.test('status writes - a failed write is tried again after STATUS_RETRY_MS with the newest status', async (t) => {
  const d = new EngineDriver(['node-1'])
  d.step(write('u1', phase('Pending')))
  const [first] = d.take('patchStatus')
  d.step({ type: 'statusWritten', write: first!.write, uid: 'u1', outcome: 'failed' })
  d.advance(STATUS_RETRY_MS - 1)
  t.same(patches(d), [], 'not before the retry is due')
  d.advance(1)
  t.same(patches(d), ['u1:Pending'], 'the same status again')
  t.equal(d.state.statuses.out, 1)
})

t.test('status writes - the API showing another status than the one written gets ours again; the same one does not', async (t) => {
  const d = new EngineDriver(['node-1'])
  const running: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
  d.step(write('u1', running))
  const [first] = d.take('patchStatus')
  d.step({ type: 'podChanged', change: 'MODIFIED', pod: boundPod('u1', 'node-1', { phase: 'Pending' }) })
  t.same(patches(d), [], 'not while our write is out')
  d.step({ type: 'statusWritten', write: first!.write, uid: 'u1', outcome: 'written' })
  d.step({ type: 'podChanged', change: 'MODIFIED', pod: boundPod('u1', 'node-1', running) })
  t.same(patches(d), [], 'the API shows what we wrote')
  const markedNotReady: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }
  t.not(statusDigest(markedNotReady), statusDigest(running))
  d.step({ type: 'podChanged', change: 'MODIFIED', pod: boundPod('u1', 'node-1', markedNotReady) })
  t.same(patches(d), ['u1:Running'], 'ours is written again')
})

t.test('status writes - the API changed after our write landed, its event seen while the write was out: ours is written again', async (t) => {
  // Seed 80096: the node lifecycle controller marked the pod not Ready (rv 887) after the kubelet's
  // Ready write landed (rv 869) but before its answer came back; no later event showed it again.
  const d = new EngineDriver(['node-1'])
  const running: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
  const markedNotReady: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }
  const at = (resourceVersion: string, status: PodStatus) => {
    const pod = boundPod('u1', 'node-1', status)
    return { type: 'podChanged', change: 'MODIFIED', pod: { ...pod, metadata: { ...pod.metadata, resourceVersion } } } as const
  }
  d.step(write('u1', running))
  const [first] = d.take('patchStatus')
  d.step(at('869', running)).step(at('887', markedNotReady))
  t.same(patches(d), [], 'not while our write is out')
  d.step({ type: 'statusWritten', write: first!.write, uid: 'u1', outcome: 'written', resourceVersion: '869' })
  const [second] = d.take('patchStatus')
  t.same(second && `${second.pod.uid}:${second.status.phase}`, 'u1:Running', 'ours is written again')

  // A stale event (below the version our write produced) is not a reason to write again.
  d.step(at('880', markedNotReady))
  d.step({ type: 'statusWritten', write: second!.write, uid: 'u1', outcome: 'written', resourceVersion: '890' })
  t.same(patches(d), [], 'the event from before our write landed')
})

t.test('status writes - a pod that is gone or removed has nothing more written; its late answer only frees the slot', async (t) => {
  const d = new EngineDriver(['node-1'], 1)
  d.step(write('u1', phase('Running')))
  const [first] = d.take('patchStatus')
  d.step(write('u1', phase('Succeeded'))).step(write('u2', phase('Running')))
  d.step({ type: 'podChanged', change: 'DELETED', pod: boundPod('u1', 'node-1') })
  // Seen again under the same uid with a write of its own waiting for the slot.
  d.step(write('u1', phase('Failed')))
  d.step({ type: 'statusWritten', write: first!.write, uid: 'u1', outcome: 'written' })
  t.same(patches(d), ['u2:Running'], 'the first in line goes; the forgotten Succeeded never does')
  t.equal(d.state.statuses.entries.get('u1')?.written, undefined, 'the old write does not count for the new entry')
  d.step({ type: 'kubelet.removePod', nodeName: 'node-1', pod: ref('u2') })
  t.same(d.take('deletePod'), [{ type: 'deletePod', pod: ref('u2') }])
})

t.test('status digest - what is compared: phase, IP, conditions in any order, container states', async (t) => {
  t.equal(statusDigest(undefined), '')
  const a: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] }
  const b: PodStatus = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] }
  t.equal(statusDigest(a), statusDigest(b), 'condition order does not matter')
  t.not(statusDigest({ ...a, podIP: '10.0.0.1' }), statusDigest(a))
  t.not(
    statusDigest({ ...a, containerStatuses: [{ name: 'app', ready: true, restartCount: 1, image: 'x', imageID: 'x', state: { running: {} } }] }),
    statusDigest({ ...a, containerStatuses: [{ name: 'app', ready: true, restartCount: 2, image: 'x', imageID: 'x', state: { running: {} } }] }),
  )
})
