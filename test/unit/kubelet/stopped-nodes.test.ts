/**
 * A stopped node's kubelet inputs (actors/kubelet/stopped-nodes.ts): held while stopped and given
 * back in order on start; events dropped; heartbeats coalesced; other nodes and outcomes untouched.
 */
import t from 'tap'
import type { EngineInput } from '../../../actors/kubelet/engine-io.ts'
import type { Node, Pod } from '../../../actors/kube/objects.ts'
import { admit, nodeOfInput, startNode, stoppedNodes, stopNode } from '../../../actors/kubelet/stopped-nodes.ts'

const ref = { namespace: 'default', name: 'web', uid: 'u1' }
const pod = (nodeName: string): Pod => ({ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { nodeName, containers: [] } }) as unknown as Pod
const node = (name: string): Node => ({ metadata: { name } }) as unknown as Node

t.test('stopped nodes - which node an input concerns', async (t) => {
  t.equal(nodeOfInput({ type: 'podChanged', change: 'MODIFIED', pod: pod('w1') }), 'w1')
  t.equal(nodeOfInput({ type: 'nodeChanged', change: 'MODIFIED', node: node('w2') }), 'w2')
  t.equal(nodeOfInput({ type: 'kubelet.renewLease', nodeName: 'w1' }), 'w1')
  t.equal(nodeOfInput({ type: 'leaseWritten', nodeName: 'w1', outcome: 'written' }), undefined, 'an outcome of a call already out is no new work')
  t.equal(nodeOfInput({ type: 'statusRetry', uid: 'u1' }), undefined)
})

t.test('stopped nodes - held while stopped, given back in order on start', async (t) => {
  const s = stoppedNodes()
  const status: EngineInput = { type: 'kubelet.writeStatus', nodeName: 'w1', pod: ref, status: { phase: 'Running' } }
  t.equal(admit(s, status), 'pass', 'nothing stopped: everything passes')
  stopNode(s, 'w1')
  const inputs: EngineInput[] = [
    { type: 'kubelet.renewLease', nodeName: 'w1' },
    status,
    { type: 'nodeChanged', change: 'MODIFIED', node: node('w1') },
    { type: 'kubelet.renewLease', nodeName: 'w1' },
    { type: 'podChanged', change: 'DELETED', pod: pod('w1') },
  ]
  t.same(inputs.map((i) => admit(s, i)), ['hold', 'hold', 'hold', 'drop', 'hold'], 'a second heartbeat while one is held is dropped')
  t.equal(admit(s, { type: 'kubelet.recordEvent', nodeName: 'w1', pod: ref, eventType: 'Normal', reason: 'Started', message: 'x' }), 'drop', 'a stopped kubelet records no events')
  t.equal(admit(s, { type: 'kubelet.renewLease', nodeName: 'w2' }), 'pass', 'another node of the pool runs on')
  t.equal(admit(s, { type: 'leaseWritten', nodeName: 'w1', outcome: 'written' }), 'pass')
  t.same(startNode(s, 'w1'), [inputs[0], inputs[1], inputs[2], inputs[4]])
  t.same(s.held, [])
  t.equal(admit(s, status), 'pass', 'started again: passes')
  t.same(startNode(s, 'w1'), [], 'starting a running node gives nothing back')
})

t.test('stopped nodes - starting one node keeps the other\'s held', async (t) => {
  const s = stoppedNodes()
  stopNode(s, 'w1')
  stopNode(s, 'w2')
  admit(s, { type: 'kubelet.renewLease', nodeName: 'w1' })
  admit(s, { type: 'kubelet.renewLease', nodeName: 'w2' })
  t.same(startNode(s, 'w2'), [{ type: 'kubelet.renewLease', nodeName: 'w2' }])
  t.same(s.held.map((h) => h.nodeName), ['w1'])
  t.equal(admit(s, { type: 'kubelet.register', nodeName: 'w1' }), 'hold')
})
