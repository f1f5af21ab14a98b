/** Lease renewal (actors/kubelet/node-leases.ts), driven through the engine step. */
import t from 'tap'
import { EngineDriver } from './engine-driver.ts'

const renew = { type: 'kubelet.renewLease', nodeName: 'node-1' } as const

t.test('node leases - the first renewal creates the Lease, the next ones update it with the last resourceVersion', async (t) => {
  const d = new EngineDriver(['node-1'])
  d.step(renew)
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: undefined }])
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'written', resourceVersion: '7' })
  d.step(renew)
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: '7' }])
})

t.test('node leases - a renewal asked for while one is out is skipped, not queued', async (t) => {
  const d = new EngineDriver(['node-1'])
  d.step(renew).step(renew).step(renew)
  t.equal(d.take('writeLease').length, 1)
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'failed' })
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: undefined }], 'a failed renewal is sent again at once (to another apiserver)')
  d.step(renew)
  t.same(d.take('writeLease'), [], 'the retry is out: a heartbeat is skipped')
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'failed' })
  t.same(d.effects, [], 'a failed retry waits for the next heartbeat')
  d.step(renew)
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: undefined }], 'which still creates')
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'failed' })
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: undefined }], 'and is retried once again')
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'written', resourceVersion: '9' })
  d.step(renew)
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: '9' }], 'the next heartbeat renews')
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'failed' })
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: '9' }], 'a written retry resets it: the next failure is retried too')
})

t.test('node leases - a stale write reads the API version, and the next renewal writes over it', async (t) => {
  const d = new EngineDriver(['node-1'])
  d.step(renew).take('writeLease')
  d.step({ type: 'leaseWritten', nodeName: 'node-1', outcome: 'stale' })
  t.same(d.take('readLease'), [{ type: 'readLease', nodeName: 'node-1' }])
  d.step(renew)
  t.same(d.take('writeLease'), [], 'still renewing while the read is out')
  d.step({ type: 'leaseRead', nodeName: 'node-1', resourceVersion: '42' })
  d.step(renew)
  t.same(d.take('writeLease'), [{ type: 'writeLease', nodeName: 'node-1', resourceVersion: '42' }])
})
