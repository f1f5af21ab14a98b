import t from 'tap'
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, aggregatedDiscovery, wantsAggregatedDiscovery } from '../../../actors/apiserver/discovery/discovery.ts'
import { GROUP_VERSIONS, resourcesOf } from '../../../actors/apiserver/discovery/resources.ts'

const FULL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'

t.test('content negotiation', async (t) => {
  t.equal(AGGREGATED_DISCOVERY_CONTENT_TYPE, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')
  const cases: [string | undefined, boolean][] = [
    [KUBECTL_ACCEPT, true],
    ['application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', false],
    ['application/json, */*', false],
    ['application/json', false],
    [undefined, false],
  ]
  for (const [accept, want] of cases) t.equal(wantsAggregatedDiscovery(accept), want, String(accept))
})

t.test('/api as APIGroupDiscoveryList', async (t) => {
  const doc = aggregatedDiscovery('api')
  t.equal(doc.kind, 'APIGroupDiscoveryList')
  t.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2')
  t.same(doc.metadata, {})
  t.equal(doc.items.length, 1)
  const core = doc.items[0]!
  t.same(core.metadata, { creationTimestamp: null })
  t.same(
    core.versions.map((v) => [v.version, v.freshness]),
    [['v1', 'Current']],
  )
  const resources = core.versions[0]!.resources
  // every core resource of the table, in its order (discovery-documents.test.ts lists the table itself)
  t.same(
    resources.map((r) => r.resource),
    resourcesOf('', 'v1').map((r) => r.name),
  )
  t.same(
    resources.find((r) => r.resource === 'pods'),
    {
      resource: 'pods',
      responseKind: { group: '', version: '', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      verbs: FULL,
      shortNames: ['po'],
      categories: ['all'],
      subresources: [
        { subresource: 'binding', responseKind: { group: '', version: '', kind: 'Binding' }, verbs: ['create'] },
        { subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
        { subresource: 'log', responseKind: { group: '', version: '', kind: 'Pod' }, verbs: ['get'] },
        { subresource: 'status', responseKind: { group: '', version: '', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
      ],
    },
  )
  t.same(resources.find((r) => r.resource === 'configmaps'), {
    resource: 'configmaps',
    responseKind: { group: '', version: '', kind: 'ConfigMap' },
    scope: 'Namespaced',
    singularResource: 'configmap',
    verbs: FULL,
    shortNames: ['cm'],
  })
  t.equal(resources.find((r) => r.resource === 'nodes')?.scope, 'Cluster')
  for (const r of resources) t.ok(r.responseKind.kind, `${r.resource} has responseKind`)
})

t.test('/apis as APIGroupDiscoveryList', async (t) => {
  const doc = aggregatedDiscovery('apis')
  // every named group of the table, in its order
  t.same(
    doc.items.map((g) => g.metadata),
    GROUP_VERSIONS.filter((gv) => gv.group !== '').map((gv) => ({ name: gv.group, creationTimestamp: null })),
  )
  const group = (name: string) => doc.items.find((g) => g.metadata.name === name)!.versions[0]!
  const apps = group('apps')
  t.equal(apps.version, 'v1')
  t.same(apps.resources.map((r) => r.resource), resourcesOf('apps', 'v1').map((r) => r.name))
  t.same(apps.resources.find((r) => r.resource === 'deployments'), {
    resource: 'deployments',
    responseKind: { group: '', version: '', kind: 'Deployment' },
    scope: 'Namespaced',
    singularResource: 'deployment',
    verbs: FULL,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'status', responseKind: { group: '', version: '', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
    ],
  })
  t.same(group('coordination.k8s.io').resources, [
    { resource: 'leases', responseKind: { group: '', version: '', kind: 'Lease' }, scope: 'Namespaced', singularResource: 'lease', verbs: FULL },
  ])
  // serializes without undefined keys
  t.same(JSON.parse(JSON.stringify(doc)), doc)
})
