/** Registering a kubelet's nodes (actors/kubelet/node-registrations.ts), driven through the engine step on a virtual clock. */
import t from 'tap'
import type { Node } from '../../../actors/kube/objects.ts'
import { REGISTER_CONCURRENCY, REGISTER_RETRY_MS } from '../../../actors/kubelet/node-registrations.ts'
import { EngineDriver } from './engine-driver.ts'

const registered = (d: EngineDriver) => d.take('report').map((e) => (e.report.type === 'kubelet.registered' ? e.report.nodeName : `other ${e.report.type}`))
const notReady = (name: string): Node => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })
const ready = (name: string): Node => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } })

t.test('node registrations - a pool registers its nodes at most REGISTER_CONCURRENCY at a time, in the order they asked', async (t) => {
  const names = Array.from({ length: 100 }, (_, i) => `hollow-1-${i}`)
  const d = new EngineDriver(names)
  for (const nodeName of names) d.step({ type: 'kubelet.register', nodeName })
  const created: string[] = []
  let most = 0
  for (let out = d.take('createNode'); out.length > 0; out = d.take('createNode')) {
    most = Math.max(most, d.state.registrations.slots)
    t.ok(d.state.registrations.slots <= REGISTER_CONCURRENCY, `${d.state.registrations.slots} out`)
    for (const { nodeName } of out) {
      created.push(nodeName)
      d.step({ type: 'nodeCreated', nodeName, outcome: 'created' })
    }
  }
  t.equal(most, REGISTER_CONCURRENCY, 'the slots are used')
  t.same(created, names, 'every node created once, first asked first')
  t.same(registered(d), names, 'each answered once it exists')
  t.equal(d.state.registrations.slots, 0, 'every slot given back')
})

t.test('node registrations - asked again while one is out, it waits for that one; once registered it answers at once', async (t) => {
  const d = new EngineDriver(['worker-1'])
  d.step({ type: 'kubelet.register', nodeName: 'worker-1' }).step({ type: 'kubelet.register', nodeName: 'worker-1' })
  t.equal(d.take('createNode').length, 1, 'one create for both')
  d.step({ type: 'nodeCreated', nodeName: 'worker-1', outcome: 'created' })
  t.same(registered(d), ['worker-1'])
  d.step({ type: 'kubelet.register', nodeName: 'worker-1' })
  t.same(registered(d), ['worker-1'], 'a restarted node actor is answered at once')
  t.same(d.take('createNode'), [], 'without a second create')
})

t.test('node registrations - a failed create frees its slot and is tried again after REGISTER_RETRY_MS', async (t) => {
  const names = Array.from({ length: REGISTER_CONCURRENCY + 1 }, (_, i) => `n-${i}`)
  const d = new EngineDriver(names)
  for (const nodeName of names) d.step({ type: 'kubelet.register', nodeName })
  t.equal(d.take('createNode').length, REGISTER_CONCURRENCY)
  d.step({ type: 'nodeCreated', nodeName: 'n-0', outcome: 'failed' })
  t.same(d.take('createNode').map((e) => e.nodeName), [`n-${REGISTER_CONCURRENCY}`], 'the waiting one takes the freed slot')
  d.advance(REGISTER_RETRY_MS - 1)
  t.same(d.take('createNode'), [], 'not before the retry is due')
  d.step({ type: 'nodeCreated', nodeName: 'n-1', outcome: 'created' })
  d.advance(1)
  t.same(d.take('createNode').map((e) => e.nodeName), ['n-0'], 'tried again once due')
  d.step({ type: 'nodeCreated', nodeName: 'n-0', outcome: 'created' })
  t.same(registered(d), ['n-1', 'n-0'])
})

t.test('node registrations - a Node left by a previous run is read and put back to Ready, holding its slot until then', async (t) => {
  const d = new EngineDriver(['worker-1'])
  d.step({ type: 'kubelet.register', nodeName: 'worker-1' }).take('createNode')
  d.step({ type: 'nodeCreated', nodeName: 'worker-1', outcome: 'conflict' })
  t.same(d.take('readNode'), [{ type: 'readNode', nodeName: 'worker-1' }])
  d.step({ type: 'nodeRead', nodeName: 'worker-1', node: notReady('worker-1') })
  const [patch] = d.take('patchReady')
  const conditions = (patch?.patch as { status: { conditions: { type: string; status: string; lastHeartbeatTime: string }[] } }).status.conditions
  t.match(conditions.find((c) => c.type === 'Ready'), { status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }, 'Ready as of now')
  t.same(registered(d), [], 'not registered while the patch is out')
  t.equal(d.state.registrations.slots, 1)
  d.step({ type: 'readyPatched', nodeName: 'worker-1', ok: true })
  t.same(registered(d), ['worker-1'])
  t.equal(d.state.registrations.slots, 0)
})

t.test('node registrations - an existing Node that is Ready needs no patch; one that cannot be read is retried from the create', async (t) => {
  const d = new EngineDriver(['a', 'b'])
  d.step({ type: 'kubelet.register', nodeName: 'a' }).step({ type: 'kubelet.register', nodeName: 'b' }).take('createNode')
  d.step({ type: 'nodeCreated', nodeName: 'a', outcome: 'conflict' }).step({ type: 'nodeRead', nodeName: 'a', node: ready('a') })
  t.same(d.take('patchReady'), [])
  t.same(registered(d), ['a'])
  d.step({ type: 'nodeCreated', nodeName: 'b', outcome: 'conflict' }).step({ type: 'nodeRead', nodeName: 'b', node: undefined })
  t.same(registered(d), [])
  d.take('readNode')
  d.advance(REGISTER_RETRY_MS)
  t.same(d.take('createNode').map((e) => e.nodeName), ['b'], 'starts over with a create')
})

t.test('node registrations - the node informer: a registered node shown not Ready is patched once at a time; a deleted one is registered again', async (t) => {
  const d = new EngineDriver(['worker-1'])
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: notReady('worker-1') })
  t.same(d.effects, [], 'a node not registered yet is left alone')
  d.step({ type: 'kubelet.register', nodeName: 'worker-1' }).step({ type: 'nodeCreated', nodeName: 'worker-1', outcome: 'created' })
  d.take('createNode')
  registered(d)
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: notReady('worker-1') })
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: notReady('worker-1') })
  t.equal(d.take('patchReady').length, 1, 'one patch out at a time')
  d.step({ type: 'readyPatched', nodeName: 'worker-1', ok: true })
  t.same(registered(d), [], 'the node actor hears nothing of it')
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: ready('worker-1') })
  t.same(d.take('patchReady'), [], 'a Ready node needs nothing')
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: notReady('someone-else') })
  t.same(d.effects, [], 'other nodes are not ours')
  d.step({ type: 'nodeChanged', change: 'DELETED', node: ready('worker-1') })
  t.same(d.take('createNode'), [{ type: 'createNode', nodeName: 'worker-1' }], 'deleted: registered again')
  t.notOk(d.state.registrations.registered.has('worker-1'))
})

t.test('node registrations - a failed Ready-again patch is sent again after REGISTER_RETRY_MS, with the conditions as of then (sim seed 2116)', async (t) => {
  const d = new EngineDriver(['worker-1'])
  d.step({ type: 'kubelet.register', nodeName: 'worker-1' }).step({ type: 'nodeCreated', nodeName: 'worker-1', outcome: 'created' })
  d.take('createNode')
  registered(d)
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: notReady('worker-1') })
  t.equal(d.take('patchReady').length, 1)
  d.step({ type: 'readyPatched', nodeName: 'worker-1', ok: false })
  d.advance(REGISTER_RETRY_MS - 1)
  t.same(d.take('patchReady'), [], 'not before the retry is due')
  d.advance(1)
  const [again] = d.take('patchReady')
  const conditions = (again?.patch as { status: { conditions: { type: string; status: string; lastHeartbeatTime: string }[] } }).status.conditions
  t.match(conditions.find((c) => c.type === 'Ready'), { status: 'True', lastHeartbeatTime: '2026-01-01T00:00:01Z' }, 'Ready as of the retry')
  d.step({ type: 'nodeChanged', change: 'MODIFIED', node: notReady('worker-1') })
  t.same(d.take('patchReady'), [], 'still one patch out at a time')
  d.step({ type: 'readyPatched', nodeName: 'worker-1', ok: true })
  d.advance(REGISTER_RETRY_MS * 3)
  t.same(d.take('patchReady'), [], 'a written patch is not sent again')
})
