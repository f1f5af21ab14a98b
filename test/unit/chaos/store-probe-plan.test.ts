/**
 * The store probe's pure bookkeeping (actors/chaos/store-probe-plan.ts): its keys, what each run
 * writes and reads, and how per-probe checks reach the verdict and `.status.probes[]` through the
 * experiment step (experiment-driver.ts stands in for the adapter).
 */
import t from 'tap'
import type { ChaosExperimentSpec } from '../../../actors/chaos/api.ts'
import { combineStoreChecks, STORE_PROBE_KEYS, storeCheckFailure, storeProbeKeys, storeProbePrefix, storeProbeRun, type StoreProbeCheck } from '../../../actors/chaos/store-probe-plan.ts'
import { Driver } from './experiment-driver.ts'

const experiment = { namespace: 'default', name: 'kill', uid: 'u-1' }

t.test('store probe plan - keys under the experiment, its uid, the probe and the controller term', async (t) => {
  t.equal(storeProbePrefix(experiment, 'writes', 'master-1-5000'), '/chaos/default/kill/u-1/writes/master-1-5000/')
  t.equal(storeProbePrefix(experiment, 'writes', 't', '/mine'), '/mine/u-1/writes/t/', 'a keyPrefix without its slash gets one')
  t.equal(storeProbePrefix(experiment, 'writes', 't', '/mine/'), '/mine/u-1/writes/t/')
  t.not(storeProbePrefix(experiment, 'writes', 'master-1-5000'), storeProbePrefix(experiment, 'writes', 'master-2-9000'), 'a successor controller writes keys of its own')
  const prefix = storeProbePrefix(experiment, 'writes', 't')
  t.equal(storeProbeKeys(prefix).length, STORE_PROBE_KEYS)
  t.ok(storeProbeKeys(prefix).every((k) => k.startsWith(prefix)))
})

t.test('store probe plan - run n writes r<n> to key n mod K and reads the next key', async (t) => {
  t.same(storeProbeRun('/p/', 0), { put: { key: '/p/k0', value: 'r0' }, get: '/p/k1' })
  t.same(storeProbeRun('/p/', STORE_PROBE_KEYS - 1), { put: { key: `/p/k${STORE_PROBE_KEYS - 1}`, value: `r${STORE_PROBE_KEYS - 1}` }, get: '/p/k0' }, 'wraps around')
  t.same(storeProbeRun('/p/', STORE_PROBE_KEYS + 2).put, { key: '/p/k2', value: `r${STORE_PROBE_KEYS + 2}` }, 'values never repeat')
})

const good: StoreProbeCheck = { name: 'a', linearizable: true, operations: 40, ackedWritesLost: 0 }

t.test('store probe plan - checks folded, and the reason that fails an experiment', async (t) => {
  t.same(combineStoreChecks([good, { ...good, name: 'b', ackedWritesLost: 2 }, { ...good, name: 'c', ackedWritesLost: 1, linearizable: false }]), { linearizable: false, ackedWritesLost: 3 })
  t.same(combineStoreChecks([]), { linearizable: true, ackedWritesLost: 0 })
  t.equal(storeCheckFailure([good]), undefined)
  t.equal(storeCheckFailure([good, { ...good, name: 'b', ackedWritesLost: 2 }]), 'AckedWritesLost: 2 (b)')
  t.equal(storeCheckFailure([{ ...good, linearizable: false, detail: 'keys /p/k1: stale read' }]), 'NotLinearizable: a (keys /p/k1: stale read)')
})

const spec: ChaosExperimentSpec = {
  steadyState: { probes: [{ name: 'writes', type: 'store', interval: '200ms' }] },
  method: { faults: [{ name: 'stop', kind: 'host-stop', duration: '2s', target: { hosts: { roles: ['master'] } } }] },
}
const candidates = { stop: ['master-1'] }
const checked = (check: StoreProbeCheck) => ({ ...combineStoreChecks([check]), probes: [{ ...check, name: 'writes' }] })

t.test('store probe plan - through the step: each store probe its linearizable, operations and ackedWritesLost in status', async (t) => {
  const passed = Driver.start(spec, 3, { candidates, store: checked(good) }).run()
  t.match(passed.state, { verdict: 'Passed' })
  t.match(passed.status, { linearizable: true, ackedWritesLost: 0, probes: [{ name: 'writes', linearizable: true, operations: 40, ackedWritesLost: 0 }] })

  const lost = Driver.start(spec, 3, { candidates, store: checked({ ...good, ackedWritesLost: 1 }) }).run()
  t.match(lost.state, { verdict: 'Failed', reason: 'AckedWritesLost: 1 (writes)' })
  t.match(lost.status, { ackedWritesLost: 1, probes: [{ name: 'writes', ackedWritesLost: 1 }] })

  const nonLinear = Driver.start(spec, 3, { candidates, store: checked({ ...good, linearizable: false, detail: 'stale read' }) }).run()
  t.match(nonLinear.state, { verdict: 'Failed', reason: 'NotLinearizable: writes (stale read)' })
  t.match(nonLinear.status, { linearizable: false, probes: [{ name: 'writes', linearizable: false }] })
})

t.test('store probe plan - the store probe stops running when its check begins (a later write would look lost); the others go on', async (t) => {
  const twoProbes: ChaosExperimentSpec = { ...spec, steadyState: { probes: [{ name: 'writes', type: 'store', interval: '200ms' }, { name: 'web', type: 'http', interval: '200ms', http: { url: 'http://127.0.0.1/' } }] } }
  const d = Driver.start(twoProbes, 3, { candidates, store: 'silent' }).run()
  t.match(d.state, { verdict: 'Failed', reason: 'StoreCheckMissing' })
  const checkAt = d.effects('checkStore')[0]!.at
  const runsAfter = (name: string) => d.effects('runProbe').filter((r) => r.effect.probe.name === name && r.at > checkAt).length
  t.equal(runsAfter('writes'), 0, 'no store run after the check began')
  t.ok(runsAfter('web') > 100, 'the http probe ran on while the check was awaited')
})
