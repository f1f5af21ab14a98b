import t from 'tap'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import type { CollectionRecord, ObservedEvent } from '../../../runtime/sim/invariants/api-watch-recorder.ts'
import { checkPodBindings } from '../../../runtime/sim/invariants/pod-bindings.ts'

const node = (name: string, rv: number, options: { cpu?: string; pods?: string; unschedulable?: boolean } = {}): KubeObject => ({
  kind: 'Node',
  metadata: { name, resourceVersion: String(rv) },
  spec: options.unschedulable ? { unschedulable: true } : {},
  status: { allocatable: { cpu: options.cpu ?? '2', memory: '4Gi', pods: options.pods ?? '10' } },
})
const pod = (name: string, rv: number, nodeName?: string, options: { cpu?: string; uid?: string; phase?: string } = {}): KubeObject => ({
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: options.uid ?? `uid-${name}`, resourceVersion: String(rv) },
  spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: options.cpu ?? '500m' } } }], ...(nodeName ? { nodeName } : {}) },
  status: { phase: options.phase ?? 'Pending' },
})
const ev = (type: ObservedEvent['type'], object: KubeObject, at = Number(object.metadata?.resourceVersion)): ObservedEvent => ({ type, object, at })
const record = (listed: KubeObject[], listRevision: number, events: readonly ObservedEvent[]): CollectionRecord => ({
  path: 'x',
  listed: new Map(listed.map((o) => [`${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o])),
  listRevision,
  events,
})
const nodes = record([node('n1', 5), node('n2', 6)], 10, [])

t.test('pod-bindings - pods bound once onto nodes with room hold', async (t) => {
  const pods = record([pod('old', 3, 'n1')], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 12, 'n1')), ev('MODIFIED', pod('a', 13, 'n1', { phase: 'Running' })), ev('ADDED', pod('b', 14)), ev('MODIFIED', pod('b', 15, 'n1'))])
  const result = checkPodBindings(pods, nodes)
  t.equal(result.held, true, result.detail ?? '')
  t.match(result.detail, /^2 bindings/)
})

t.test('pod-bindings - a pod moved to another node is bound twice', async (t) => {
  const pods = record([], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 12, 'n1')), ev('MODIFIED', pod('a', 13, 'n2'), 99)])
  const result = checkPodBindings(pods, nodes)
  t.equal(result.held, false)
  t.equal(result.at, 99)
  t.match(result.detail, /pod default\/a moved from node n1 to n2/)
})

t.test('pod-bindings - the same name recreated (a new uid) may land elsewhere', async (t) => {
  const pods = record([], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 12, 'n1')), ev('DELETED', pod('a', 13, 'n1')), ev('ADDED', pod('a', 14, undefined, { uid: 'u2' })), ev('MODIFIED', pod('a', 15, 'n2', { uid: 'u2' }))])
  t.equal(checkPodBindings(pods, nodes).held, true)
})

t.test('pod-bindings - over allocatable cpu, counted at the binding revision, is a violation', async (t) => {
  const pods = record([pod('big', 4, 'n1', { cpu: '1500m', phase: 'Running' })], 10, [ev('ADDED', pod('a', 11, undefined, { cpu: '600m' })), ev('MODIFIED', pod('a', 12, 'n1', { cpu: '600m' }))])
  const result = checkPodBindings(pods, nodes)
  t.equal(result.held, false)
  t.match(result.detail, /pod default\/a bound to n1 at resourceVersion 12: over allocatable \(cpu 2100m > 2000m\)/)
  const finished = record([pod('big', 4, 'n1', { cpu: '1500m', phase: 'Succeeded' })], 10, pods.events)
  t.equal(checkPodBindings(finished, nodes).held, true, 'a finished pod holds no resources')
})

t.test('pod-bindings - a binding to a missing or cordoned node is a violation; node changes count in revision order', async (t) => {
  const toMissing = record([], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 12, 'n9'))])
  t.match(checkPodBindings(toMissing, nodes).detail, /bound to n9 .*: no such node/)
  const cordoned = record([node('n1', 5), node('n2', 6)], 10, [ev('MODIFIED', node('n1', 13, { unschedulable: true })), ev('MODIFIED', node('n1', 16))])
  const before = record([], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 12, 'n1'))])
  t.equal(checkPodBindings(before, cordoned).held, true, 'bound at 12, before the cordon at 13')
  const during = record([], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 14, 'n1'))])
  t.match(checkPodBindings(during, cordoned).detail, /the node is cordoned/)
  const after = record([], 10, [ev('ADDED', pod('a', 11)), ev('MODIFIED', pod('a', 17, 'n1'))])
  t.equal(checkPodBindings(after, cordoned).held, true, 'bound at 17, after the uncordon at 16')
})

t.test('pod-bindings - too many pods on a node is a violation', async (t) => {
  const small = record([node('n1', 5, { pods: '1' })], 10, [])
  const pods = record([pod('x', 4, 'n1', { cpu: '0' })], 10, [ev('ADDED', pod('a', 11, undefined, { cpu: '0' })), ev('MODIFIED', pod('a', 12, 'n1', { cpu: '0' }))])
  t.match(checkPodBindings(pods, small).detail, /pods 2 > 1/)
})
