/** PriorityClass (scheduling.k8s.io/v1) and the Priority admission of new pods. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, pod, PODS, request, TABLE_ACCEPT } from './memory-objects.ts'

const PCS = '/apis/scheduling.k8s.io/v1/priorityclasses'
const pc = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra })
const withSpec = (name: string, spec: Record<string, unknown>) => ({ ...pod(name), spec: { ...pod(name).spec, ...spec } })

t.test('priority - a pod gets its class’s value and policy; an unknown class is forbidden', async (t) => {
  const ports = await cluster(handle)
  const created = bodyOf(await handle(request('POST', PCS, { body: pc('high', 1000, { preemptionPolicy: 'Never' }) }), ports))
  t.equal(created.status, 201)
  t.match(created.body, { kind: 'PriorityClass', value: 1000, preemptionPolicy: 'Never' })
  t.equal(bodyOf(await handle(request('POST', PCS, { body: pc('low', 10) }), ports)).body.preemptionPolicy, 'PreemptLowerPriority', 'defaulted')

  const p = bodyOf(await handle(request('POST', PODS, { body: withSpec('a', { priorityClassName: 'high' }) }), ports))
  t.equal(p.status, 201)
  t.match(p.body.spec, { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' })

  const missing = bodyOf(await handle(request('POST', PODS, { body: withSpec('b', { priorityClassName: 'nope' }) }), ports))
  t.same([missing.status, missing.body.reason, missing.body.message], [403, 'Forbidden', 'pods "b" is forbidden: no PriorityClass with name nope was found'])

  const mismatch = bodyOf(await handle(request('POST', PODS, { body: withSpec('c', { priorityClassName: 'low', priority: 5 }) }), ports))
  t.same([mismatch.status, mismatch.body.message], [403, 'pods "c" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name'])

  const critical = bodyOf(await handle(request('POST', PODS, { body: withSpec('d', { priorityClassName: 'system-node-critical' }) }), ports))
  t.match(critical.body.spec, { priority: 2000001000 }, 'built-in classes resolve without being stored')

  const plain = bodyOf(await handle(request('POST', PODS, { body: pod('e') }), ports))
  t.match(plain.body.spec, { priority: 0, preemptionPolicy: 'PreemptLowerPriority' }, 'no class, no default: 0')
  t.notOk('priorityClassName' in plain.body.spec)

  const table = bodyOf(await handle(request('GET', PCS, { accept: TABLE_ACCEPT }), ports))
  t.same(table.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy'])
  t.same(table.body.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3)), [['high', 1000, false], ['low', 10, false]])
})

t.test('priority - the global default applies to pods without a class; only one default', async (t) => {
  const ports = await cluster(handle)
  t.equal(bodyOf(await handle(request('POST', PCS, { body: pc('normal', 100, { globalDefault: true }) }), ports)).status, 201)
  const second = bodyOf(await handle(request('POST', PCS, { body: pc('other', 5, { globalDefault: true }) }), ports))
  t.same([second.status, second.body.message], [403, 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass normal is already marked as default. Only one default can exist'])
  const p = bodyOf(await handle(request('POST', PODS, { body: pod('a') }), ports))
  t.match(p.body.spec, { priorityClassName: 'normal', priority: 100 })
})

t.test('priority - PriorityClass validation', async (t) => {
  const ports = await cluster(handle)
  const system = bodyOf(await handle(request('POST', PCS, { body: pc('system-mine', 1) }), ports))
  t.equal(system.status, 422)
  t.match(system.body.message, /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only/)
  const big = bodyOf(await handle(request('POST', PCS, { body: pc('big', 1_000_000_001) }), ports))
  t.match([big.status, big.body.message], [422, /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/])
  const policy = bodyOf(await handle(request('POST', PCS, { body: pc('p', 1, { preemptionPolicy: 'Sometimes' }) }), ports))
  t.equal(policy.status, 422)
  const podPolicy = bodyOf(await handle(request('POST', PODS, { body: withSpec('x', { preemptionPolicy: 'Sometimes' }) }), ports))
  t.equal(podPolicy.status, 422)
})
