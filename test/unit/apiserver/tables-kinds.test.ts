import t from 'tap'
import { formatEndpoints, formatLabelSelector, formatLabels, nodeRoles, servicePorts } from '../../../actors/apiserver/tables/printers.ts'
import { buildTable, tableRow, wantsTable } from '../../../actors/apiserver/tables/table.ts'
import type { KubeObject } from '../../../actors/apiserver/tables/types.ts'

const now = Date.parse('2025-03-01T12:00:00Z')
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: '2025-02-27T09:00:00Z', ...extra }) // 2d3h
const columns = (group: string, resource: string) =>
  buildTable(group, resource, [], { now, resourceVersion: '1' }).columnDefinitions.map((c) => (c.priority > 0 ? `${c.name}*` : c.name))
const cells = (group: string, resource: string, o: KubeObject) => tableRow(group, resource, o, now).cells

t.test('column names (priority 1 marked *)', async (t) => {
  const cases: [string, string, string[]][] = [
    ['', 'nodes', ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*']],
    ['apps', 'deployments', ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']],
    ['apps', 'replicasets', ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']],
    ['', 'services', ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']],
    ['', 'namespaces', ['Name', 'Status', 'Age']],
    ['', 'events', ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']],
    ['', 'configmaps', ['Name', 'Data', 'Age']],
    ['', 'endpoints', ['Name', 'Endpoints', 'Age']],
    ['coordination.k8s.io', 'leases', ['Name', 'Holder', 'Age']],
    ['example.com', 'widgets', ['Name', 'Created At']],
  ]
  for (const [g, r, want] of cases) {
    t.same(columns(g, r), want, `${g}/${r}`)
    const table = buildTable(g, r, [], { now, resourceVersion: '1' })
    t.same(
      table.columnDefinitions.filter((c) => c.format === 'name').map((c) => c.name),
      ['Name'],
      `${r}: only Name has format name`,
    )
  }
})

t.test('nodes', async (t) => {
  const node = (labels: Record<string, string>, conditions: unknown[], unschedulable = false): KubeObject => ({
    kind: 'Node',
    metadata: meta('n1', { labels }),
    spec: unschedulable ? { unschedulable: true } : {},
    status: {
      conditions,
      addresses: [
        { type: 'Hostname', address: 'n1' },
        { type: 'InternalIP', address: '10.1.0.5' },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'actorkube', kernelVersion: '6.1.0', containerRuntimeVersion: 'hollow://1.0' },
    },
  })
  const cases: [string, KubeObject, string, string][] = [
    ['ready worker', node({}, [{ type: 'Ready', status: 'True' }]), 'Ready', '<none>'],
    ['not ready', node({}, [{ type: 'Ready', status: 'False' }]), 'NotReady', '<none>'],
    ['ready unknown prints NotReady', node({}, [{ type: 'Ready', status: 'Unknown' }]), 'NotReady', '<none>'],
    ['no Ready condition', node({}, [{ type: 'MemoryPressure', status: 'False' }]), 'Unknown', '<none>'],
    ['cordoned', node({}, [{ type: 'Ready', status: 'True' }], true), 'Ready,SchedulingDisabled', '<none>'],
    ['unknown and cordoned', node({}, [], true), 'Unknown,SchedulingDisabled', '<none>'],
    [
      'roles sorted from both label styles',
      node({ 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/': 'x' }, [
        { type: 'Ready', status: 'True' },
      ]),
      'Ready',
      'control-plane,master,worker',
    ],
  ]
  for (const [name, n, status, roles] of cases) t.same(cells('', 'nodes', n).slice(1, 3), [status, roles], name)
  t.same(cells('', 'nodes', node({}, [{ type: 'Ready', status: 'True' }])), [
    'n1',
    'Ready',
    '<none>',
    '2d3h',
    'v1.32.0',
    '10.1.0.5',
    '<none>',
    'actorkube',
    '6.1.0',
    'hollow://1.0',
  ])
  t.same(cells('', 'nodes', { metadata: meta('bare') }), ['bare', 'Unknown', '<none>', '2d3h', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'])
  t.equal(nodeRoles(undefined), '<none>')
})

t.test('deployments and replicasets', async (t) => {
  const template = { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } }
  const deploy: KubeObject = {
    metadata: meta('web'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', tier: 'fe' } }, template },
    status: { replicas: 3, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 },
  }
  t.same(cells('apps', 'deployments', deploy), ['web', '1/3', 2, 1, '2d3h', 'web,log', 'nginx:1.27,busybox', 'app=web,tier=fe'])
  t.same(cells('apps', 'deployments', { metadata: meta('empty'), spec: { replicas: 0 } }), ['empty', '0/0', 0, 0, '2d3h', '', '', ''])
  const rs: KubeObject = {
    metadata: meta('web-5d4f'),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } }, template },
    status: { replicas: 2, readyReplicas: 1 },
  }
  t.same(cells('apps', 'replicasets', rs), ['web-5d4f', 3, 2, 1, '2d3h', 'web,log', 'nginx:1.27,busybox', 'app=web,pod-template-hash=5d4f'])
})

t.test('label selectors print like labels.Selector.String()', async (t) => {
  const cases: [Parameters<typeof formatLabelSelector>[0], string][] = [
    [undefined, ''],
    [{}, ''],
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2'],
    [
      {
        matchLabels: { tier: 'fe' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'zone', operator: 'NotIn', values: ['b'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'app', operator: 'Exists' },
        ],
      },
      'app,!canary,env in (dev,prod),tier=fe,zone notin (b)',
    ],
    [{ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, '<invalid>'],
  ]
  for (const [sel, want] of cases) t.equal(formatLabelSelector(sel), want, want)
  t.equal(formatLabels({}), '<none>')
  t.equal(formatLabels({ z: '1', a: '' }), 'a=,z=1')
})

t.test('services', async (t) => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({ metadata: meta('web'), spec, status })
  const cases: [string, KubeObject, (string | number)[]][] = [
    [
      'cluster IP',
      svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } }),
      ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '2d3h', 'app=web'],
    ],
    [
      'node port, two ports',
      svc({ type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }),
      ['web', 'NodePort', '10.96.0.11', '<none>', '80:30080/TCP,53/UDP', '2d3h', '<none>'],
    ],
    ['headless, no ports', svc({ type: 'ClusterIP', clusterIP: 'None' }), ['web', 'ClusterIP', 'None', '<none>', '<none>', '2d3h', '<none>']],
    ['external IPs', svc({ type: 'ClusterIP', clusterIP: '10.96.0.12', externalIPs: ['1.2.3.4', '5.6.7.8'], ports: [{ port: 443, protocol: 'TCP' }] }), ['web', 'ClusterIP', '10.96.0.12', '1.2.3.4,5.6.7.8', '443/TCP', '2d3h', '<none>']],
    ['load balancer pending', svc({ type: 'LoadBalancer', clusterIP: '10.96.0.13', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] }), ['web', 'LoadBalancer', '10.96.0.13', '<pending>', '80:31000/TCP', '2d3h', '<none>']],
    [
      'load balancer with ingress',
      svc({ type: 'LoadBalancer', clusterIP: '10.96.0.13', ports: [] }, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: 'lb.example.com' }] } }),
      ['web', 'LoadBalancer', '10.96.0.13', '192.0.2.1,lb.example.com', '<none>', '2d3h', '<none>'],
    ],
    ['external name', svc({ type: 'ExternalName', externalName: 'db.example.com' }), ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '2d3h', '<none>']],
  ]
  for (const [name, s, want] of cases) t.same(cells('', 'services', s), want, name)
  t.equal(servicePorts([]), '')
})

t.test('namespaces, configmaps, leases', async (t) => {
  t.same(cells('', 'namespaces', { metadata: meta('default'), status: { phase: 'Active' } }), ['default', 'Active', '2d3h'])
  t.same(cells('', 'namespaces', { metadata: meta('old', { deletionTimestamp: '2025-03-01T11:00:00Z' }), status: { phase: 'Terminating' } }), ['old', 'Terminating', '2d3h'])
  t.same(cells('', 'configmaps', { metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), ['cfg', 3, '2d3h'])
  t.same(cells('', 'configmaps', { metadata: meta('empty') }), ['empty', 0, '2d3h'])
  t.same(cells('coordination.k8s.io', 'leases', { metadata: meta('scheduler'), spec: { holderIdentity: 'master-1_abc' } }), ['scheduler', 'master-1_abc', '2d3h'])
  t.same(cells('coordination.k8s.io', 'leases', { metadata: meta('free'), spec: {} }), ['free', '', '2d3h'])
  t.same(cells('example.com', 'widgets', { metadata: meta('w') }), ['w', '2025-02-27T09:00:00Z'])
})

t.test('endpoints', async (t) => {
  const cases: [Parameters<typeof formatEndpoints>[0], string][] = [
    [[], '<none>'],
    [[{ addresses: [] }], ''],
    [[{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 8080 }] }], '10.0.0.1:8080,10.0.0.2:8080'],
    [[{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }], '10.0.0.1,10.0.0.2'],
    [[{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }], '[fd00::1]:80'],
    [
      [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] }],
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...',
    ],
    [
      [
        { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] },
        { addresses: [{ ip: '10.0.1.1' }, { ip: '10.0.1.2' }, { ip: '10.0.1.3' }], ports: [{ port: 81 }] },
      ],
      '10.0.0.1:80,10.0.0.2:80,10.0.1.1:81 + 2 more...',
    ],
  ]
  for (const [subsets, want] of cases) t.equal(formatEndpoints(subsets), want, want)
  t.same(cells('', 'endpoints', { metadata: meta('web'), subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }), ['web', '10.0.0.1:80', '2d3h'])
  t.same(cells('', 'endpoints', { metadata: meta('none') }), ['none', '<none>', '2d3h'])
})

t.test('events', async (t) => {
  const base = {
    metadata: meta('web.17f'),
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    type: 'Normal',
    message: '  Container image "nginx" already present on machine\n',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2025-03-01T11:50:00Z',
    lastTimestamp: '2025-03-01T11:59:00Z',
    count: 3,
  }
  t.same(cells('', 'events', base), [
    '60s',
    'Normal',
    'Pulled',
    'pod/web',
    'spec.containers{app}',
    'kubelet, node-1',
    'Container image "nginx" already present on machine',
    '10m',
    3,
    'web.17f',
  ])
  const fresh = {
    metadata: meta('ev2'),
    involvedObject: { kind: 'Node' },
    reason: 'Starting',
    type: 'Normal',
    message: 'm',
    eventTime: '2025-03-01T11:59:55.000000Z',
    reportingComponent: 'kube-proxy',
  }
  t.same(cells('', 'events', fresh), ['5s', 'Normal', 'Starting', 'node', '', 'kube-proxy', 'm', '5s', 1, 'ev2'])
  const series = { ...fresh, series: { count: 7, lastObservedTime: '2025-03-01T11:59:58.000000Z' } }
  t.same(cells('', 'events', series).slice(0, 1), ['2s'])
  t.equal(cells('', 'events', series)[8], 7)
  t.same(cells('', 'events', { metadata: meta('ev3') }), ['<unknown>', '', '', '', '', '<unknown>', '', '<unknown>', 1, 'ev3'])
})

t.test('wantsTable recognises kubectl get Accept headers', async (t) => {
  t.equal(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), true)
  t.equal(wantsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), false)
  t.equal(wantsTable('application/json'), false)
  t.equal(wantsTable(undefined), false)
})
