/**
 * Tables of the kinds a Kubernetes user meets in the first hour (Secrets, ServiceAccounts,
 * volumes, quotas, DaemonSets, StatefulSets, PodDisruptionBudgets, Ingress, NetworkPolicy,
 * StorageClass): kubectl 1.32's columns and the cells Kubernetes' printers give.
 */
import t from 'tap'
import { buildTable, tableRow } from '../../../actors/apiserver/tables/table.ts'
import { accessModesText } from '../../../actors/apiserver/tables/storage-printers.ts'
import { ingressAddresses, ingressHosts } from '../../../actors/apiserver/tables/networking-printers.ts'
import { quotaColumns } from '../../../actors/apiserver/tables/config-printers.ts'
import type { KubeObject } from '../../../actors/apiserver/tables/types.ts'

const now = Date.parse('2025-03-01T12:00:00Z')
const CREATED = '2025-02-27T09:00:00Z' // 2d3h before now
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: CREATED, ...extra })
const columns = (group: string, resource: string) =>
  buildTable(group, resource, [], { now, resourceVersion: '1' }).columnDefinitions.map((c) => (c.priority > 0 ? `${c.name}*` : c.name))
const cells = (group: string, resource: string, o: KubeObject) => tableRow(group, resource, o, now).cells

t.test('column names (priority 1 marked *)', async (t) => {
  const cases: [string, string, string[]][] = [
    ['', 'secrets', ['Name', 'Type', 'Data', 'Age']],
    ['', 'serviceaccounts', ['Name', 'Secrets', 'Age']],
    ['', 'persistentvolumeclaims', ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*']],
    ['', 'persistentvolumes', ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*']],
    ['', 'limitranges', ['Name', 'Created At']],
    ['', 'resourcequotas', ['Name', 'Age', 'Request', 'Limit']],
    ['apps', 'daemonsets', ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*']],
    ['apps', 'statefulsets', ['Name', 'Ready', 'Age', 'Containers*', 'Images*']],
    ['policy', 'poddisruptionbudgets', ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']],
    ['networking.k8s.io', 'ingresses', ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']],
    ['networking.k8s.io', 'ingressclasses', ['Name', 'Controller', 'Parameters', 'Age']],
    ['networking.k8s.io', 'networkpolicies', ['Name', 'Pod-Selector', 'Age']],
    ['storage.k8s.io', 'storageclasses', ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']],
  ]
  for (const [g, r, want] of cases) t.same(columns(g, r), want, `${g}/${r}`)
})

t.test('secrets and service accounts', async (t) => {
  t.same(cells('', 'secrets', { metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==', 'tls.key': 'Yg==' } }), ['tls', 'kubernetes.io/tls', 2, '2d3h'])
  t.same(cells('', 'secrets', { metadata: meta('empty'), type: 'Opaque' }), ['empty', 'Opaque', 0, '2d3h'])
  t.same(cells('', 'serviceaccounts', { metadata: meta('default') }), ['default', 0, '2d3h'])
  t.same(cells('', 'serviceaccounts', { metadata: meta('build'), secrets: [{ name: 'a' }, { name: 'b' }] }), ['build', 2, '2d3h'])
  t.same(cells('', 'limitranges', { metadata: meta('limits') }), ['limits', CREATED])
})

t.test('resource quota: used/hard per resource, limits.* apart, sorted', async (t) => {
  t.same(quotaColumns({}), { request: '', limit: '' }, 'no status yet')
  t.same(quotaColumns({ hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi', 'limits.cpu': '2' }, used: { pods: '3', 'limits.cpu': '500m' } }), {
    request: 'pods: 3/10, requests.cpu: 0/1',
    limit: 'limits.cpu: 500m/2, limits.memory: 0/2Gi',
  })
  t.same(cells('', 'resourcequotas', { metadata: meta('q'), status: { hard: { pods: '4' }, used: { pods: '1' } } }), ['q', '2d3h', 'pods: 1/4', ''])
})

t.test('claims and volumes', async (t) => {
  t.equal(accessModesText(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce', 'ReadWriteOncePod', 'ReadOnlyMany']), 'RWO,ROX,RWX,RWOP')
  t.equal(accessModesText([]), '')
  const claim = (spec: Record<string, unknown>, status: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: meta('data', extra), spec, status })
  t.same(
    cells('', 'persistentvolumeclaims', claim({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local', volumeMode: 'Filesystem' }, { phase: 'Pending' })),
    ['data', 'Pending', '', '', '', 'local', '<unset>', '2d3h', 'Filesystem'],
    'unbound: no capacity or modes',
  )
  t.same(
    cells('', 'persistentvolumeclaims', claim({ volumeName: 'pv-1', volumeMode: 'Block' }, { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] })),
    ['data', 'Bound', 'pv-1', '5Gi', 'RWO,ROX', '', '<unset>', '2d3h', 'Block'],
  )
  t.same(
    cells('', 'persistentvolumeclaims', claim({ storageClassName: 'new' }, { phase: 'Bound' }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' }, deletionTimestamp: CREATED })),
    ['data', 'Terminating', '', '', '', 'old', '<unset>', '2d3h', '<unset>'],
    'beta annotation wins; deleting is Terminating',
  )
  const pv: KubeObject = {
    metadata: meta('pv-1'),
    spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'local', volumeMode: 'Filesystem' },
    status: { phase: 'Bound' },
  }
  t.same(cells('', 'persistentvolumes', pv), ['pv-1', '5Gi', 'RWO', 'Retain', 'Bound', 'default/data', 'local', '<unset>', '', '2d3h', 'Filesystem'])
  t.same(cells('', 'persistentvolumes', { metadata: meta('bare'), spec: {} }), ['bare', '0', '', '', '', '', '', '<unset>', '', '2d3h', '<unset>'])
})

t.test('storage classes', async (t) => {
  t.same(cells('storage.k8s.io', 'storageclasses', { metadata: meta('local'), provisioner: 'actorkube.io/local' }), ['local', 'actorkube.io/local', 'Delete', 'Immediate', false, '2d3h'])
  t.same(
    cells('storage.k8s.io', 'storageclasses', {
      metadata: meta('fast', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
      provisioner: 'x',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    }),
    ['fast (default)', 'x', 'Retain', 'WaitForFirstConsumer', true, '2d3h'],
  )
})

t.test('daemon sets, stateful sets, disruption budgets', async (t) => {
  const template = { metadata: { labels: { app: 'a' } }, spec: { nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' }, containers: [{ name: 'agent', image: 'fluentd:1' }, { name: 'side', image: 'busybox' }] } }
  const ds: KubeObject = {
    metadata: meta('logs'),
    spec: { selector: { matchLabels: { app: 'a' } }, template },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
  }
  t.same(cells('apps', 'daemonsets', ds), ['logs', 3, 3, 2, 1, 2, 'disk=ssd,kubernetes.io/os=linux', '2d3h', 'agent,side', 'fluentd:1,busybox', 'app=a'])
  t.same(cells('apps', 'daemonsets', { metadata: meta('new'), spec: {} }), ['new', 0, 0, 0, 0, 0, '<none>', '2d3h', '', '', '<none>'])
  t.same(cells('apps', 'statefulsets', { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 1 } }), ['db', '1/3', '2d3h', 'agent,side', 'fluentd:1,busybox'])
  t.same(cells('policy', 'poddisruptionbudgets', { metadata: meta('pdb'), spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } }), ['pdb', '2', 'N/A', 1, '2d3h'])
  t.same(cells('policy', 'poddisruptionbudgets', { metadata: meta('pdb'), spec: { maxUnavailable: '25%' } }), ['pdb', 'N/A', '25%', 0, '2d3h'])
})

t.test('ingress, ingress class, network policy', async (t) => {
  t.equal(ingressHosts([]), '*')
  t.equal(ingressHosts([{ http: {} }]), '*')
  t.equal(ingressHosts([{ host: 'a.com' }, { host: 'b.com' }]), 'a.com,b.com')
  t.equal(ingressHosts([{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, { host: 'e' }]), 'a,b,c + 2 more...')
  t.equal(ingressAddresses({ loadBalancer: { ingress: [{ ip: '10.0.0.9' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }, { ip: '10.0.0.1' }] } }), '10.0.0.1,10.0.0.9,lb.example.com')
  t.equal(ingressAddresses(undefined), '')
  t.same(
    cells('networking.k8s.io', 'ingresses', { metadata: meta('web'), spec: { ingressClassName: 'nginx', rules: [{ host: 'foo.bar.com' }], tls: [{ hosts: ['foo.bar.com'] }] } }),
    ['web', 'nginx', 'foo.bar.com', '', '80, 443', '2d3h'],
  )
  t.same(cells('networking.k8s.io', 'ingresses', { metadata: meta('min'), spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } } }), ['min', '<none>', '*', '', '80', '2d3h'])
  t.same(cells('networking.k8s.io', 'ingressclasses', { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx' } }), ['nginx', 'k8s.io/ingress-nginx', '<none>', '2d3h'])
  t.same(
    cells('networking.k8s.io', 'ingressclasses', { metadata: meta('lb'), spec: { controller: 'example.com/lb', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } }),
    ['lb', 'example.com/lb', 'IngressParameters.k8s.example.com/external-lb', '2d3h'],
  )
  t.same(cells('networking.k8s.io', 'networkpolicies', { metadata: meta('deny-all'), spec: { podSelector: {} } }), ['deny-all', '<none>', '2d3h'])
  t.same(cells('networking.k8s.io', 'networkpolicies', { metadata: meta('db'), spec: { podSelector: { matchLabels: { role: 'db' } } } }), ['db', 'role=db', '2d3h'])
})
