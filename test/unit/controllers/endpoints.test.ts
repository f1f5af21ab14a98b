import t from 'tap'
import { findPort, reconcileEndpoints } from '../../../actors/controllers/endpoints.ts'
import type { CreateAction, UpdateAction } from '../../../actors/controllers/actions.ts'
import type { Endpoints, Service } from '../../../actors/kube/objects.ts'
import { pod, summary } from './fixtures.ts'

const service = (ports: Service['spec']['ports'], selector: Record<string, string> | null = { app: 'web' }): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', uid: 'svc', labels: { team: 'a' } },
  spec: { ...(selector ? { selector } : {}), ports },
})
const http = [{ name: 'http', containerPort: 8080 }]
const EP = '/api/v1/namespaces/default/endpoints'

t.test('Endpoints - ready pods in addresses, not-ready in notReadyAddresses, named targetPort resolved per pod', async (t) => {
  const pods = [
    pod({ name: 'b', ip: '10.0.0.2', node: 'n1', ready: true, labels: { app: 'web' }, ports: http }),
    pod({ name: 'a', ip: '10.0.0.1', node: 'n2', ready: true, labels: { app: 'web' }, ports: http }),
    pod({ name: 'c', ip: '10.0.0.3', node: 'n1', ready: false, labels: { app: 'web' }, ports: http }),
    pod({ name: 'other-port', ip: '10.0.0.4', node: 'n1', ready: true, labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 9090 }] }),
    pod({ name: 'no-ip', node: 'n1', ready: true, labels: { app: 'web' }, ports: http }),
    pod({ name: 'deleting', ip: '10.0.0.5', ready: true, labels: { app: 'web' }, ports: http, deleting: true }),
    pod({ name: 'done', ip: '10.0.0.6', ready: false, phase: 'Succeeded', labels: { app: 'web' }, ports: http }),
    pod({ name: 'db', ip: '10.0.0.7', ready: true, labels: { app: 'db' }, ports: http }),
    pod({ name: 'no-such-port', ip: '10.0.0.8', ready: true, labels: { app: 'web' } }),
  ]
  const r = reconcileEndpoints({ services: [service([{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }])], pods, endpoints: [] })
  t.same(summary(r.actions), [`create ${EP}`])
  const ep = (r.actions[0] as CreateAction).object as Endpoints
  t.same(ep.metadata, { name: 'web', namespace: 'default', labels: { team: 'a' } })
  const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` })
  t.same(ep.subsets, [
    {
      addresses: [
        { ip: '10.0.0.1', nodeName: 'n2', targetRef: ref('a') },
        { ip: '10.0.0.2', nodeName: 'n1', targetRef: ref('b') },
      ],
      notReadyAddresses: [{ ip: '10.0.0.3', nodeName: 'n1', targetRef: ref('c') }],
      ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
    },
    { addresses: [{ ip: '10.0.0.4', nodeName: 'n1', targetRef: ref('other-port') }], ports: [{ name: 'web', port: 9090, protocol: 'TCP' }] },
  ])
})

t.test('Endpoints - targetPort table', async (t) => {
  const p = pod({ name: 'p', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] })
  const cases: [string, Parameters<typeof findPort>[1], number | undefined][] = [
    ['number', { port: 80, targetPort: 8081 }, 8081],
    ['absent: the service port', { port: 80 }, 80],
    ['numeric string', { port: 80, targetPort: '9000' }, 9000],
    ['name', { port: 80, targetPort: 'http' }, 8080],
    ['name with its protocol', { port: 53, targetPort: 'dns', protocol: 'UDP' }, 53],
    ['name with another protocol', { port: 53, targetPort: 'dns' }, undefined],
    ['unknown name', { port: 80, targetPort: 'grpc' }, undefined],
  ]
  for (const [name, sp, want] of cases) t.equal(findPort(p, sp), want, name)
})

t.test('Endpoints - no write when nothing changed; update with the read resourceVersion when it did', async (t) => {
  const svc = service([{ port: 80, targetPort: 8080 }])
  const pods = [pod({ name: 'a', ip: '10.0.0.1', ready: true, labels: { app: 'web' } })]
  const created = (reconcileEndpoints({ services: [svc], pods, endpoints: [] }).actions[0] as CreateAction).object as Endpoints
  const stored: Endpoints = { ...created, metadata: { ...created.metadata, uid: 'ep', resourceVersion: '42' } }
  t.same(reconcileEndpoints({ services: [svc], pods, endpoints: [stored] }).actions, [])
  const notReady = [pod({ name: 'a', ip: '10.0.0.1', ready: false, labels: { app: 'web' } })]
  const r = reconcileEndpoints({ services: [svc], pods: notReady, endpoints: [stored] })
  t.same(summary(r.actions), [`update ${EP}/web`])
  const obj = (r.actions[0] as UpdateAction).object as Endpoints
  t.equal(obj.metadata.resourceVersion, '42')
  t.same(obj.subsets?.[0]?.notReadyAddresses?.map((a) => a.ip), ['10.0.0.1'])
})

t.test('Endpoints - no matching pods: an empty Endpoints', async (t) => {
  const r = reconcileEndpoints({ services: [service([{ port: 80 }])], pods: [], endpoints: [] })
  t.same(((r.actions[0] as CreateAction).object as Endpoints).subsets, [])
})

t.test('Endpoints - services without a selector are left alone; Endpoints of a deleted Service are deleted', async (t) => {
  const manual: Endpoints = { metadata: { name: 'web', namespace: 'default', uid: 'm' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }] }] }
  t.same(reconcileEndpoints({ services: [service([{ port: 80 }], null)], pods: [], endpoints: [manual] }).actions, [])
  const r = reconcileEndpoints({ services: [], pods: [], endpoints: [manual] })
  t.same(r.actions, [{ type: 'delete', path: `${EP}/web`, preconditions: { uid: 'm' } }])
})
