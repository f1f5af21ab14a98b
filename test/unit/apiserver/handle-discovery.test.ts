/** handle(): discovery, OpenAPI, unknown paths and methods. */
import t, { type Test } from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, makePorts, request } from './memory-objects.ts'

type Case = { name: string; method?: string; path: string; status: number; check?: (body: any, t: Test) => void }

const cases: Case[] = [
  { name: '/version', path: '/version', status: 200, check: (b, t) => t.match(b, { major: '1', minor: '32', gitVersion: 'v1.32.0' }) },
  { name: '/version/ (trailing slash)', path: '/version/', status: 200, check: (b, t) => t.equal(b.major, '1') },
  {
    name: '/api',
    path: '/api',
    status: 200,
    check: (b, t) => t.same(b, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }] }),
  },
  {
    name: '/apis',
    path: '/apis',
    status: 200,
    check: (b, t) => {
      t.equal(b.kind, 'APIGroupList')
      // In the resource table's order (discovery/resources.ts); the table's own test lists every resource.
      t.same(b.groups.map((g: any) => g.name).slice(0, 2), ['apps', 'batch'])
      t.ok(b.groups.some((g: any) => g.name === 'rbac.authorization.k8s.io'), 'rbac.authorization.k8s.io')
      t.same(b.groups[0].preferredVersion, { groupVersion: 'apps/v1', version: 'v1' })
    },
  },
  { name: '/apis/apps', path: '/apis/apps', status: 200, check: (b, t) => t.match(b, { kind: 'APIGroup', name: 'apps' }) },
  {
    name: '/api/v1',
    path: '/api/v1',
    status: 200,
    check: (b, t) => {
      t.match(b, { kind: 'APIResourceList', groupVersion: 'v1' })
      const names = b.resources.map((r: any) => r.name)
      for (const n of ['pods', 'pods/status', 'namespaces', 'services', 'configmaps']) t.ok(names.includes(n), n)
      t.notOk(names.includes('deployments'))
      const pods = b.resources.find((r: any) => r.name === 'pods')
      t.match(pods, { kind: 'Pod', namespaced: true, singularName: 'pod', shortNames: ['po'] })
    },
  },
  {
    name: '/apis/apps/v1',
    path: '/apis/apps/v1',
    status: 200,
    check: (b, t) => {
      t.match(b, { kind: 'APIResourceList', groupVersion: 'apps/v1' })
      const scale = b.resources.find((r: any) => r.name === 'deployments/scale')
      t.match(scale, { kind: 'Scale', group: 'autoscaling', version: 'v1' })
    },
  },
  { name: 'unknown top-level path', path: '/foo', status: 404, check: (b, t) => t.match(b, { kind: 'Status', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource (/foo)' }) },
  { name: 'unknown group', path: '/apis/example.com', status: 404 },
  { name: 'unknown group version', path: '/apis/apps/v2', status: 404 },
  { name: 'unknown core version', path: '/api/v2', status: 404 },
  { name: 'unknown resource', path: '/api/v1/widgets', status: 404, check: (b, t) => t.match(b, { reason: 'NotFound', message: 'the server could not find the requested resource (/api/v1/widgets)' }) },
  { name: 'unknown namespaced resource', path: '/api/v1/namespaces/default/widgets/x', status: 404 },
  { name: 'resource in the wrong group', path: '/apis/apps/v1/namespaces/default/pods', status: 404 },
  { name: 'POST /version', method: 'POST', path: '/version', status: 405, check: (b, t) => t.match(b, { kind: 'Status', reason: 'MethodNotAllowed', code: 405 }) },
  { name: 'DELETE /api', method: 'DELETE', path: '/api', status: 405 },
  { name: 'PUT /apis/apps/v1', method: 'PUT', path: '/apis/apps/v1', status: 405 },
  { name: 'PATCH /api/v1', method: 'PATCH', path: '/api/v1', status: 405 },
  // OpenAPI v3
  {
    name: '/openapi/v3 index',
    path: '/openapi/v3',
    status: 200,
    check: (b, t) => {
      // One document per served group/version, in the table's order.
      t.same(Object.keys(b.paths).slice(0, 2), ['api/v1', 'apis/apps/v1'])
      t.ok(Object.keys(b.paths).includes('apis/rbac.authorization.k8s.io/v1'), 'apis/rbac.authorization.k8s.io/v1')
    },
  },
  {
    name: '/openapi/v3/api/v1',
    path: '/openapi/v3/api/v1',
    status: 200,
    check: (b, t) => {
      t.ok(b.openapi, 'has an openapi version')
      t.ok(b.components.schemas['io.k8s.api.core.v1.Pod'], 'Pod schema')
    },
  },
  { name: '/openapi/v3/apis/apps/v1', path: '/openapi/v3/apis/apps/v1', status: 200, check: (b, t) => t.ok(b.components.schemas['io.k8s.api.apps.v1.Deployment']) },
  { name: 'unknown openapi document', path: '/openapi/v3/apis/example.com/v1', status: 404, check: (b, t) => t.match(b, { kind: 'Status', reason: 'NotFound' }) },
  { name: 'POST openapi', method: 'POST', path: '/openapi/v3', status: 404 },
  { name: 'openapi v2 is not served', path: '/openapi/v2', status: 404 },
]

for (const c of cases) {
  t.test(`${c.method ?? 'GET'} ${c.path}: ${c.name}`, async (t) => {
    const ports = makePorts()
    const r = await handle(request(c.method ?? 'GET', c.path), ports)
    const { status, body } = bodyOf(r)
    t.equal(status, c.status)
    c.check?.(body, t)
    t.same(ports.objects.calls, [], 'discovery does not touch the store')
  })
}

t.test('openapi documents are raw JSON with a content type', async (t) => {
  const r = await handle(request('GET', '/openapi/v3/api/v1'), makePorts())
  t.equal(r.kind, 'raw')
  if (r.kind === 'raw') t.equal(r.contentType, 'application/json')
})
