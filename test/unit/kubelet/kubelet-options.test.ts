import t from 'tap'
import { heartbeatTimeoutMs, KUBELET_DEFAULTS, nodeNames, parseKubeletOptions } from '../../../actors/kubelet/kubelet-options.ts'
import { hollowTimings } from '../../../runtime/cluster/local-cluster.ts'
import { nodeLease, readyAgainPatch, registrationNode } from '../../../actors/kubelet/node-object.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')

t.test('kubelet options - defaults, one node named after the actor, a pool named <id>-<n>', async (t) => {
  const o = parseKubeletOptions({ apiservers: ['master-1'] })
  t.match(o, { runtime: 'process', nodes: 1, capacity: KUBELET_DEFAULTS.capacity, nodeIP: '127.0.0.1', readOnlyPort: 10255, leaseDurationSeconds: 5, leaseRenewIntervalMs: 1000, taints: [], labels: {} })
  t.same(nodeNames('worker-1', o), ['worker-1'])
  t.same(nodeNames('hollow-1', { nodes: 3 }), ['hollow-1-0', 'hollow-1-1', 'hollow-1-2'])
  t.equal(parseKubeletOptions({ apiservers: ['m'], readOnlyPort: null }).readOnlyPort, null, 'null: no read-only endpoint')
})

t.test('kubelet options - every mistake names its field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{}, /kubelet\.apiservers: expected the apiserver/],
    [{ apiservers: ['m'], runtime: 'docker' }, /kubelet\.runtime: expected process or hollow, got "docker"/],
    [{ apiservers: ['m'], nodes: 0 }, /kubelet\.nodes: expected a whole number of nodes/],
    [{ apiservers: ['m'], nodeIP: 'localhost' }, /kubelet\.nodeIP: expected an IPv4 address/],
    [{ apiservers: ['m'], podCidr: '127.1.0.0' }, /kubelet\.podCidr: expected an IPv4 CIDR/],
    [{ apiservers: ['m'], readOnlyPort: 70000 }, /kubelet\.readOnlyPort: expected a port/],
    [{ apiservers: ['m'], capacity: { cpu: 'lots' } }, /kubelet\.capacity\.cpu: expected a CPU quantity/],
    [{ apiservers: ['m'], capacity: { memory: '8 GB' } }, /kubelet\.capacity\.memory: expected a memory quantity/],
    [{ apiservers: ['m'], labels: { 'bad key!': 'x' } }, /kubelet\.labels\.bad key!: expected a label key/],
    [{ apiservers: ['m'], taints: [{ key: 'a', effect: 'Sometimes' }] }, /kubelet\.taints\[0\]\.effect: expected NoSchedule/],
    [{ apiservers: ['m'], leaseRenewIntervalMs: -1 }, /kubelet\.leaseRenewIntervalMs: expected a positive number/],
  ]
  for (const [raw, message] of cases) t.throws(() => parseKubeletOptions(raw), { message }, JSON.stringify(raw))
})

t.test('node objects - registration carries capacity, labels, taints, addresses and Ready', async (t) => {
  const options = parseKubeletOptions({ apiservers: ['m'], nodeIP: '127.0.1.1', podCidr: '127.1.0.0/16', labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] })
  const node = registrationNode({ name: 'worker-1', options, readOnlyPort: 10255 }, T0)
  t.match(node.metadata.labels, { 'kubernetes.io/hostname': 'worker-1', 'kubernetes.io/os': 'linux', disk: 'ssd', 'node.actorkube.io/runtime': 'process' })
  t.same(node.spec, { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }], podCIDR: '127.1.0.0/16' })
  t.same(node.status?.allocatable, { cpu: '4', memory: '8Gi', pods: '110' })
  t.same(node.status?.addresses, [{ type: 'InternalIP', address: '127.0.1.1' }, { type: 'Hostname', address: 'worker-1' }])
  t.match(node.status?.conditions?.find((c) => c.type === 'Ready'), { status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:00Z' })
  t.same(node.status?.daemonEndpoints, { kubeletEndpoint: { Port: 10255 } })
  t.same(node.metadata.annotations, { 'node.alpha.kubernetes.io/ttl': '0' }, 'no volume dir: none announced')
  const withVolumes = registrationNode({ name: 'worker-1', options, volumeDir: '/state/worker-1/volumes' }, T0)
  t.equal(withVolumes.metadata.annotations?.['volumes.actorkube.io/dir'], '/state/worker-1/volumes', 'where the local provisioner puts its volumes')
})

t.test('node objects - a node not Ready gets Ready again; the lease renews with its version', async (t) => {
  const options = parseKubeletOptions({ apiservers: ['m'] })
  const ready = registrationNode({ name: 'n', options }, T0)
  t.equal(readyAgainPatch(ready, T0 + 1000), undefined, 'Ready: nothing to do')
  const unknown = { ...ready, status: { ...ready.status, conditions: [{ type: 'Ready', status: 'Unknown' as const, reason: 'NodeStatusUnknown' }] } }
  t.match(readyAgainPatch(unknown, T0 + 1000)?.status.conditions.find((c) => c.type === 'Ready'), { status: 'True', lastHeartbeatTime: '2026-01-01T00:00:01Z' })
  t.same(nodeLease('n', { leaseDurationSeconds: 5 }, T0, '42'), {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n', namespace: 'kube-node-lease', resourceVersion: '42' },
    spec: { holderIdentity: 'n', leaseDurationSeconds: 5, renewTime: '2026-01-01T00:00:00.000000Z' },
  })
})

t.test('kubelet options - a Lease renewal waits a quarter of the lease for its answer, at least one renewal interval', async (t) => {
  const cases = [
    { what: "up's workers (5 s lease, renewed every second)", options: KUBELET_DEFAULTS, timeoutMs: 1250 },
    { what: 'a hollow pool (40 s lease, every 10 s), as Kubernetes', options: hollowTimings(60), timeoutMs: 10_000 },
    { what: 'a lease of 2 renewals', options: { leaseDurationSeconds: 2, leaseRenewIntervalMs: 1000 }, timeoutMs: 1000 },
  ]
  for (const { what, options, timeoutMs } of cases) t.equal(heartbeatTimeoutMs(options), timeoutMs, what)
})
