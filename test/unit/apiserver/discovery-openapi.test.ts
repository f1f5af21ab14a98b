import t from 'tap'
import { fnv1a64, openApiDocument, openApiDocumentJson, openApiHash, openApiIndex, openApiRoute, schemaName } from '../../../actors/apiserver/discovery/openapi.ts'
import { GROUP_VERSIONS, RESOURCES } from '../../../actors/apiserver/discovery/resources.ts'

type J = Record<string, any>

t.test('fnv1a64 known vectors', async (t) => {
  t.equal(fnv1a64(''), 'CBF29CE484222325')
  t.equal(fnv1a64('a'), 'AF63DC4C8601EC8C')
  t.equal(fnv1a64('foobar'), '85944171F73967E8')
})

t.test('/openapi/v3 index', async (t) => {
  const index = openApiIndex()
  // a document per group/version of the resource table, in its order
  t.same(
    Object.keys(index.paths),
    GROUP_VERSIONS.map((gv) => (gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`)),
  )
  t.same(Object.keys(index.paths).slice(0, 3), ['api/v1', 'apis/apps/v1', 'apis/batch/v1'])
  for (const [key, entry] of Object.entries(index.paths)) {
    t.match(entry.serverRelativeURL, new RegExp(`^/openapi/v3/${key.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{16}$`), key)
    t.equal(entry.serverRelativeURL, `/openapi/v3/${key}?hash=${openApiHash(key)}`)
    t.equal(openApiHash(key), fnv1a64(openApiDocumentJson(key)!))
  }
  t.same(JSON.parse(openApiRoute('/openapi/v3')!.json), index)
  t.same(JSON.parse(openApiRoute('/openapi/v3/')!.json), index)
  t.equal(openApiRoute('/openapi/v3/apis/apps/v1')!.json, openApiDocumentJson('apis/apps/v1'))
  t.equal(openApiRoute('/openapi/v3/apis/batch/v1')!.json, openApiDocumentJson('apis/batch/v1'))
  t.equal(openApiRoute('/openapi/v3/apis/example.com/v1'), undefined)
  t.equal(openApiRoute('/openapi/v3/apis/batch/v2'), undefined)
  t.equal(openApiRoute('/openapi/v2'), undefined)
  t.equal(openApiDocument('apis/example.com/v1'), undefined)
})

t.test('schema names', async (t) => {
  t.equal(schemaName('', 'v1', 'Pod'), 'io.k8s.api.core.v1.Pod')
  t.equal(schemaName('apps', 'v1', 'Deployment'), 'io.k8s.api.apps.v1.Deployment')
  t.equal(schemaName('coordination.k8s.io', 'v1', 'Lease'), 'io.k8s.api.coordination.v1.Lease')
  t.equal(schemaName('autoscaling', 'v1', 'Scale'), 'io.k8s.api.autoscaling.v1.Scale')
})

/** What kubectl's QueryParamVerifierV3 checks: an operation (PATCH for apply, POST for create) for the GVK with a fieldValidation query parameter. */
const supportsFieldValidation = (doc: J, method: 'patch' | 'post', group: string, version: string, kind: string): boolean => {
  for (const item of Object.values(doc['paths'] as J)) {
    const op = (item as J)[method]
    if (!op) continue
    const gvk = op['x-kubernetes-group-version-kind']
    if (gvk?.group !== group || gvk?.version !== version || gvk?.kind !== kind) continue
    return (op['parameters'] as J[]).some((p) => p['name'] === 'fieldValidation' && p['in'] === 'query')
  }
  return false
}
const patchSupportsFieldValidation = (doc: J, group: string, version: string, kind: string): boolean => supportsFieldValidation(doc, 'patch', group, version, kind)

t.test('every served kind has a PATCH (a POST if create is its only verb) with fieldValidation and a component schema with its GVK', async (t) => {
  for (const r of RESOURCES) {
    const key = r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`
    const doc = openApiDocument(key) as J
    if (r.verbs.includes('patch')) t.ok(patchSupportsFieldValidation(doc, r.group, r.version, r.kind), `${key} ${r.kind} patch`)
    else {
      // the reviews (authorization.k8s.io, authentication.k8s.io) are answered, not stored: create only
      t.same(r.verbs, ['create'], `${r.kind} is create-only`)
      t.ok(supportsFieldValidation(doc, 'post', r.group, r.version, r.kind), `${key} ${r.kind} post`)
      t.notOk(patchSupportsFieldValidation(doc, r.group, r.version, r.kind), `${key} ${r.kind} has no patch`)
    }
    const schema = doc['components']['schemas'][schemaName(r.group, r.version, r.kind)]
    t.same(schema['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: r.kind }], `${r.kind} gvk`)
    t.same(doc['components']['schemas'][schemaName(r.group, r.version, `${r.kind}List`)]['x-kubernetes-group-version-kind'], [
      { group: r.group, version: r.version, kind: `${r.kind}List` },
    ])
  }
  const apps = openApiDocument('apis/apps/v1') as J
  t.ok(patchSupportsFieldValidation(apps, 'autoscaling', 'v1', 'Scale'), 'scale subresource patch')
  t.ok(apps['components']['schemas']['io.k8s.api.autoscaling.v1.Scale'])
  t.notOk(patchSupportsFieldValidation(apps, '', 'v1', 'Pod'))
})

t.test('paths and operations of pods', async (t) => {
  const doc = openApiDocument('api/v1') as J
  const podPaths = Object.keys(doc['paths']).filter((p) => p.includes('pods'))
  t.same(podPaths, [
    '/api/v1/namespaces/{namespace}/pods',
    '/api/v1/namespaces/{namespace}/pods/{name}',
    '/api/v1/namespaces/{namespace}/pods/{name}/binding',
    '/api/v1/namespaces/{namespace}/pods/{name}/eviction',
    '/api/v1/namespaces/{namespace}/pods/{name}/log',
    '/api/v1/namespaces/{namespace}/pods/{name}/status',
    '/api/v1/pods',
  ])
  const item = doc['paths']['/api/v1/namespaces/{namespace}/pods/{name}']
  t.same(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put'])
  t.same(
    (item['parameters'] as J[]).map((p) => `${p['in']}:${p['name']}`),
    ['path:name', 'path:namespace', 'query:pretty'],
  )
  const patch = item['patch']
  t.equal(patch['operationId'], 'patchCoreV1NamespacedPod')
  t.equal(patch['x-kubernetes-action'], 'patch')
  t.same(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' })
  t.same(
    (patch['parameters'] as J[]).map((p) => p['name']),
    ['dryRun', 'fieldManager', 'fieldValidation', 'force'],
  )
  t.same(Object.keys(patch['requestBody']['content']), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ])
  t.same(patch['responses']['200']['content']['application/json']['schema'], { $ref: '#/components/schemas/io.k8s.api.core.v1.Pod' })
  t.equal(doc['paths']['/api/v1/namespaces/{namespace}/pods']['get']['operationId'], 'listCoreV1NamespacedPod')
  t.equal(doc['paths']['/api/v1/namespaces/{namespace}/pods']['delete']['operationId'], 'deletecollectionCoreV1CollectionNamespacedPod')
  t.equal(doc['paths']['/api/v1/pods']['get']['operationId'], 'listCoreV1PodForAllNamespaces')
  t.equal(doc['paths']['/api/v1/namespaces/{namespace}/pods/{name}/status']['patch']['operationId'], 'patchCoreV1NamespacedPodStatus')
  t.same(doc['paths']['/api/v1/namespaces/{namespace}/pods/{name}/eviction']['post']['x-kubernetes-group-version-kind'], { group: 'policy', version: 'v1', kind: 'Eviction' })
  t.same(Object.keys(doc['paths']['/api/v1/namespaces/{namespace}/pods/{name}/log']).sort(), ['get', 'parameters'])
  t.same(
    doc['paths']['/api/v1/nodes/{name}']['parameters'].map((p: J) => p['name']),
    ['name', 'pretty'],
  )
  t.notOk('delete' in doc['paths']['/api/v1/namespaces'], 'namespaces have no deletecollection')
})

t.test('documents are valid OpenAPI 3: every $ref resolves, every response has a description', async (t) => {
  for (const key of Object.keys(openApiIndex().paths)) {
    const doc = openApiDocument(key) as J
    t.equal(doc['openapi'], '3.0.0')
    t.ok(doc['info']['title'] && doc['info']['version'])
    const schemas = doc['components']['schemas'] as J
    for (const name of [
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
      'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
      'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    ])
      t.ok(schemas[name], `${key}: ${name}`)
    const bad: string[] = []
    const walk = (v: unknown, where: string): void => {
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${where}[${i}]`))
      if (v === null || typeof v !== 'object') return
      const o = v as J
      if (typeof o['$ref'] === 'string') {
        const target = (o['$ref'] as string).replace('#/components/schemas/', '')
        if (!schemas[target]) bad.push(`${where}: ${o['$ref']}`)
      }
      for (const [k, x] of Object.entries(o)) walk(x, `${where}.${k}`)
    }
    walk(doc, key)
    t.same(bad, [], `${key}: unresolved refs`)
    for (const [path, item] of Object.entries(doc['paths'] as J)) {
      for (const [method, op] of Object.entries(item as J)) {
        if (method === 'parameters') continue
        for (const [code, resp] of Object.entries((op as J)['responses'] as J)) t.type((resp as J)['description'], 'string', `${path} ${method} ${code}`)
      }
    }
  }
})

t.test('documents are deterministic', async (t) => {
  t.equal(JSON.stringify(openApiDocument('api/v1')), openApiDocumentJson('api/v1'))
  t.equal(openApiHash('api/v1'), openApiHash('api/v1'))
  t.not(openApiHash('api/v1'), openApiHash('apis/apps/v1'))
})
