import t from 'tap'
import { apiGroup, apiGroupList, apiResourceList, apiVersions, discoveryDocument, versionInfo } from '../../../actors/apiserver/discovery/discovery.ts'
import { findResource, findResourceByKind, GROUP_VERSIONS, RESOURCES, subresourceOf } from '../../../actors/apiserver/discovery/resources.ts'

const FULL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

t.test('resource table', async (t) => {
  t.same(
    RESOURCES.map((r) => `${r.group}/${r.version}/${r.name}`),
    [
      '/v1/configmaps',
      '/v1/endpoints',
      '/v1/events',
      '/v1/limitranges',
      '/v1/namespaces',
      '/v1/nodes',
      '/v1/persistentvolumeclaims',
      '/v1/persistentvolumes',
      '/v1/pods',
      '/v1/resourcequotas',
      '/v1/secrets',
      '/v1/serviceaccounts',
      '/v1/services',
      'apps/v1/controllerrevisions',
      'apps/v1/daemonsets',
      'apps/v1/deployments',
      'apps/v1/replicasets',
      'apps/v1/statefulsets',
      'batch/v1/cronjobs',
      'batch/v1/jobs',
      'chaos.actorkube.io/v1alpha1/chaosexperiments',
      'chaos.actorkube.io/v1alpha1/chaosschedules',
      'authentication.k8s.io/v1/selfsubjectreviews',
      'authorization.k8s.io/v1/localsubjectaccessreviews',
      'authorization.k8s.io/v1/selfsubjectaccessreviews',
      'authorization.k8s.io/v1/selfsubjectrulesreviews',
      'authorization.k8s.io/v1/subjectaccessreviews',
      'coordination.k8s.io/v1/leases',
      'networking.k8s.io/v1/ingressclasses',
      'networking.k8s.io/v1/ingresses',
      'networking.k8s.io/v1/networkpolicies',
      'policy/v1/poddisruptionbudgets',
      'rbac.authorization.k8s.io/v1/clusterrolebindings',
      'rbac.authorization.k8s.io/v1/clusterroles',
      'rbac.authorization.k8s.io/v1/rolebindings',
      'rbac.authorization.k8s.io/v1/roles',
      'scheduling.k8s.io/v1/priorityclasses',
      'storage.k8s.io/v1/storageclasses',
    ],
  )
  t.same(GROUP_VERSIONS, [
    { group: '', version: 'v1' },
    { group: 'apps', version: 'v1' },
    { group: 'batch', version: 'v1' },
    { group: 'chaos.actorkube.io', version: 'v1alpha1' },
    { group: 'authentication.k8s.io', version: 'v1' },
    { group: 'authorization.k8s.io', version: 'v1' },
    { group: 'coordination.k8s.io', version: 'v1' },
    { group: 'networking.k8s.io', version: 'v1' },
    { group: 'policy', version: 'v1' },
    { group: 'rbac.authorization.k8s.io', version: 'v1' },
    { group: 'scheduling.k8s.io', version: 'v1' },
    { group: 'storage.k8s.io', version: 'v1' },
  ])
  const short = Object.fromEntries(RESOURCES.map((r) => [r.name, r.shortNames.join(',')]))
  t.same(short, {
    configmaps: 'cm',
    endpoints: 'ep',
    events: 'ev',
    limitranges: 'limits',
    namespaces: 'ns',
    nodes: 'no',
    persistentvolumeclaims: 'pvc',
    persistentvolumes: 'pv',
    pods: 'po',
    resourcequotas: 'quota',
    secrets: '',
    serviceaccounts: 'sa',
    services: 'svc',
    controllerrevisions: '',
    daemonsets: 'ds',
    deployments: 'deploy',
    replicasets: 'rs',
    statefulsets: 'sts',
    cronjobs: 'cj',
    jobs: '',
    chaosexperiments: 'cex',
    chaosschedules: 'csch',
    selfsubjectreviews: '',
    localsubjectaccessreviews: '',
    selfsubjectaccessreviews: '',
    selfsubjectrulesreviews: '',
    subjectaccessreviews: '',
    leases: '',
    ingressclasses: '',
    ingresses: 'ing',
    networkpolicies: 'netpol',
    poddisruptionbudgets: 'pdb',
    clusterrolebindings: '',
    clusterroles: '',
    rolebindings: '',
    roles: '',
    priorityclasses: 'pc',
    storageclasses: 'sc',
  })
  t.same(
    RESOURCES.filter((r) => r.categories.includes('all')).map((r) => r.name),
    ['pods', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'cronjobs', 'jobs'],
  )
  t.same(
    RESOURCES.filter((r) => !r.namespaced).map((r) => r.name),
    ['namespaces', 'nodes', 'persistentvolumes', 'selfsubjectreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews', 'ingressclasses', 'clusterrolebindings', 'clusterroles', 'priorityclasses', 'storageclasses'],
  )
  t.equal(findResource('', 'v1', 'pods')?.listKind, 'PodList')
  t.equal(findResourceByKind('apps', 'v1', 'Deployment')?.name, 'deployments')
  t.equal(findResource('apps', 'v1', 'pods'), undefined)
  t.same(subresourceOf(findResource('apps', 'v1', 'deployments')!, 'scale'), { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] })
  t.same(subresourceOf(findResource('', 'v1', 'pods')!, 'status'), { name: 'status', kind: 'Pod', group: '', version: 'v1', verbs: ['get', 'patch', 'update'] })
  t.equal(subresourceOf(findResource('', 'v1', 'pods')!, 'exec'), undefined)
})

t.test('/version', async (t) => {
  const v = versionInfo()
  t.match(v, { major: '1', minor: '32', gitVersion: 'v1.32.0', gitTreeState: 'clean', compiler: 'gc', platform: 'linux/amd64' })
  t.same(Object.keys(v), ['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform'])
  t.equal(versionInfo({ platform: 'darwin/arm64' }).platform, 'darwin/arm64')
})

t.test('/api and /apis', async (t) => {
  t.same(apiVersions('127.0.0.1:6443'), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  })
  // every named group of the table, in its order (the 'resource table' case lists them by hand)
  t.same(apiGroupList(), {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: GROUP_VERSIONS.filter((gv) => gv.group !== '').map(({ group, version }) => ({
      name: group,
      versions: [{ groupVersion: `${group}/${version}`, version }],
      preferredVersion: { groupVersion: `${group}/${version}`, version },
    })),
  })
  t.same(apiGroupList().groups[0], {
    name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  })
  t.same(apiGroup('apps'), {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  })
  t.equal(apiGroup('batch')?.preferredVersion.groupVersion, 'batch/v1')
  t.equal(apiGroup('example.com'), undefined)
})

t.test('/api/v1 resource list', async (t) => {
  const list = apiResourceList('', 'v1')!
  t.equal(list.kind, 'APIResourceList')
  t.equal(list.apiVersion, 'v1')
  t.equal(list.groupVersion, 'v1')
  t.same(
    list.resources.map((r) => r.name),
    [
      'configmaps',
      'endpoints',
      'events',
      'limitranges',
      'namespaces',
      'namespaces/finalize',
      'namespaces/status',
      'nodes',
      'nodes/status',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'persistentvolumes',
      'persistentvolumes/status',
      'pods',
      'pods/binding',
      'pods/eviction',
      'pods/log',
      'pods/status',
      'resourcequotas',
      'resourcequotas/status',
      'secrets',
      'serviceaccounts',
      'serviceaccounts/token',
      'services',
      'services/status',
    ],
  )
  const byName = new Map(list.resources.map((r) => [r.name, r]))
  t.same(byName.get('pods'), { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: FULL, shortNames: ['po'], categories: ['all'] })
  t.same(byName.get('namespaces'), {
    name: 'namespaces',
    singularName: 'namespace',
    namespaced: false,
    kind: 'Namespace',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
  })
  t.same(byName.get('endpoints'), { name: 'endpoints', singularName: 'endpoints', namespaced: true, kind: 'Endpoints', verbs: FULL, shortNames: ['ep'] })
  t.same(byName.get('pods/status'), { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] })
  t.same(byName.get('pods/log'), { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] })
  t.same(byName.get('pods/binding'), { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] })
  t.same(byName.get('pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] })
  t.same(byName.get('nodes/status'), { name: 'nodes/status', singularName: '', namespaced: false, kind: 'Node', verbs: ['get', 'patch', 'update'] })
  // JSON shape: no undefined-valued keys leak, empty shortNames/categories are omitted
  t.notOk(JSON.stringify(list).includes('"shortNames":[]'))
  t.notOk(JSON.stringify(list).includes('"categories":[]'))
})

t.test('/apis/apps/v1 and /apis/coordination.k8s.io/v1', async (t) => {
  const apps = apiResourceList('apps', 'v1')!
  t.equal(apps.groupVersion, 'apps/v1')
  t.same(apps.resources, [
    { name: 'controllerrevisions', singularName: 'controllerrevision', namespaced: true, kind: 'ControllerRevision', verbs: FULL },
    { name: 'daemonsets', singularName: 'daemonset', namespaced: true, kind: 'DaemonSet', verbs: FULL, shortNames: ['ds'], categories: ['all'] },
    { name: 'daemonsets/status', singularName: '', namespaced: true, kind: 'DaemonSet', verbs: ['get', 'patch', 'update'] },
    { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: FULL, shortNames: ['deploy'], categories: ['all'] },
    { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
    { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
    { name: 'replicasets', singularName: 'replicaset', namespaced: true, kind: 'ReplicaSet', verbs: FULL, shortNames: ['rs'], categories: ['all'] },
    { name: 'replicasets/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
    { name: 'replicasets/status', singularName: '', namespaced: true, kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'] },
    { name: 'statefulsets', singularName: 'statefulset', namespaced: true, kind: 'StatefulSet', verbs: FULL, shortNames: ['sts'], categories: ['all'] },
    { name: 'statefulsets/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
    { name: 'statefulsets/status', singularName: '', namespaced: true, kind: 'StatefulSet', verbs: ['get', 'patch', 'update'] },
  ])
  t.same(apiResourceList('coordination.k8s.io', 'v1'), {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'coordination.k8s.io/v1',
    resources: [{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: FULL }],
  })
  t.equal(apiResourceList('apps', 'v1beta1'), undefined)
})

t.test('discoveryDocument routes GET paths', async (t) => {
  const opts = { serverAddress: '10.0.0.1:6443' }
  const cases: [string, unknown][] = [
    ['/version', versionInfo()],
    ['/version/', versionInfo()],
    ['/api', apiVersions('10.0.0.1:6443')],
    ['/api/', apiVersions('10.0.0.1:6443')],
    ['/apis', apiGroupList()],
    ['/api/v1', apiResourceList('', 'v1')],
    ['/apis/apps', apiGroup('apps')],
    ['/apis/apps/v1', apiResourceList('apps', 'v1')],
    ['/apis/coordination.k8s.io/v1', apiResourceList('coordination.k8s.io', 'v1')],
    ['/api/v2', undefined],
    ['/apis/batch', apiGroup('batch')],
    ['/apis/batch/v1', apiResourceList('batch', 'v1')],
    ['/apis/batch/v2', undefined],
    ['/apis/example.com', undefined],
    ['/apis/example.com/v1', undefined],
    ['/api/v1/pods', undefined],
    ['/healthz', undefined],
  ]
  for (const [path, want] of cases) t.same(discoveryDocument(path, opts), want, path)
  t.equal((discoveryDocument('/version', { ...opts, version: { gitVersion: 'v1.32.0-ak' } }) as { gitVersion: string }).gitVersion, 'v1.32.0-ak')
})
