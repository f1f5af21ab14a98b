/** The kubelet engine's step (actors/kubelet/engine-step.ts): routing, informers, removals, events. */
import t from 'tap'
import { informerSelector, INFORMER_RETRY_MS, POD_DELETE_RETRY_MS, startEngine } from '../../../actors/kubelet/engine-step.ts'
import type { RecordPodEvent } from '../../../actors/kubelet/kubelet-protocol.ts'
import { boundPod, EngineDriver } from './engine-driver.ts'

const reports = (d: EngineDriver) => d.take('report').map((e) => e.report)

t.test('engine step - a pod change goes to the node it is bound to, if that node is ours', async (t) => {
  const d = new EngineDriver(['pool-0', 'pool-1'])
  const pod = boundPod('u1', 'pool-1', { phase: 'Pending' })
  d.step({ type: 'podChanged', change: 'ADDED', pod })
  t.same(reports(d), [{ type: 'kubelet.podSeen', nodeName: 'pool-1', pod }])
  d.step({ type: 'podChanged', change: 'ADDED', pod: boundPod('u2', 'elsewhere') })
  d.step({ type: 'podChanged', change: 'ADDED', pod: { ...pod, spec: { containers: [] } } })
  t.same(d.effects, [], 'pods bound elsewhere, or not bound, are not ours')
  d.step({ type: 'podChanged', change: 'DELETED', pod })
  t.same(reports(d), [{ type: 'kubelet.podGone', nodeName: 'pool-1', uid: 'u1' }])
})

t.test('engine step - the informers start first; one that fails is started again after INFORMER_RETRY_MS', async (t) => {
  t.same(startEngine(), [
    { type: 'startInformer', informer: 'pods' },
    { type: 'startInformer', informer: 'nodes' },
  ])
  const d = new EngineDriver(['node-1'])
  d.step({ type: 'informerFailed', informer: 'nodes' })
  d.advance(INFORMER_RETRY_MS - 1)
  t.same(d.effects, [])
  d.advance(1)
  t.same(d.take('startInformer'), [{ type: 'startInformer', informer: 'nodes' }])
})

t.test('engine step - informer selectors: one node watches its own; a pool every bound pod and every Node', async (t) => {
  t.same(informerSelector('pods', ['worker-1']), { fieldSelector: 'spec.nodeName=worker-1' })
  t.same(informerSelector('nodes', ['worker-1']), { fieldSelector: 'metadata.name=worker-1' })
  t.same(informerSelector('pods', ['p-0', 'p-1']), { fieldSelector: 'spec.nodeName!=' })
  t.same(informerSelector('nodes', ['p-0', 'p-1']), {})
})

t.test('engine step - a terminated pod is deleted; a failed delete is tried again after POD_DELETE_RETRY_MS', async (t) => {
  const d = new EngineDriver(['node-1'])
  const pod = { namespace: 'default', name: 'p-u1', uid: 'u1' }
  d.step({ type: 'kubelet.removePod', nodeName: 'node-1', pod })
  t.same(d.take('deletePod'), [{ type: 'deletePod', pod }])
  d.step({ type: 'podDeleteFailed', pod })
  d.advance(POD_DELETE_RETRY_MS - 1)
  t.same(d.take('deletePod'), [])
  d.advance(1)
  t.same(d.take('deletePod'), [{ type: 'deletePod', pod }])
})

t.test('engine step - a pod event is recorded as asked', async (t) => {
  const d = new EngineDriver(['node-1'])
  const event: RecordPodEvent = { type: 'kubelet.recordEvent', nodeName: 'node-1', pod: { namespace: 'default', name: 'p', uid: 'u' }, eventType: 'Warning', reason: 'BackOff', message: 'back-off' }
  d.step(event)
  t.same(d.take('recordEvent'), [{ type: 'recordEvent', event }])
})
