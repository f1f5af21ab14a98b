/** desiredProxy / localAddressOf: listeners and backends from Services and Endpoints (table-driven). */
import t from 'tap'
import { localAddressOf } from '../../../actors/proxy/addresses.ts'
import { desiredProxy, type Listener } from '../../../actors/proxy/desired.ts'
import type { Endpoints, Service } from '../../../actors/kube/objects.ts'

const service = (name: string, spec: Partial<Service['spec']>): Service => ({ metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } })
const endpoints = (name: string, subsets: Endpoints['subsets']): Endpoints => ({ metadata: { name, namespace: 'default' }, subsets })
const NODE = { nodeIP: '127.3.0.1' }
const short = (l: Listener) => `${l.kind} ${l.key} -> ${l.target}`

t.test('localAddressOf maps 10.96.b.c to 127.96.b.c and nothing else', async (t) => {
  const table: [string, string | undefined][] = [
    ['10.96.0.10', '127.96.0.10'],
    ['10.96.255.254', '127.96.255.254'],
    ['10.97.0.10', undefined],
    ['None', undefined],
    ['', undefined],
  ]
  for (const [ip, want] of table) t.equal(localAddressOf(ip), want, ip)
})

const cases: { name: string; services: Service[]; endpoints?: Endpoints[]; listeners: string[] }[] = [
  { name: 'ClusterIP: one listener per port at the mapped address', services: [service('a', { clusterIP: '10.96.1.2', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] })], listeners: ['clusterIP 127.96.1.2:443 -> default/a:https', 'clusterIP 127.96.1.2:80 -> default/a:http'] },
  {
    name: 'NodePort: also the node address and localhost',
    services: [service('a', { type: 'NodePort', clusterIP: '10.96.1.2', ports: [{ port: 80, nodePort: 30080 }] })],
    listeners: ['localhostNodePort 127.0.0.1:30080 -> default/a:', 'nodePort 127.3.0.1:30080 -> default/a:', 'clusterIP 127.96.1.2:80 -> default/a:'],
  },
  { name: 'headless: nothing', services: [service('h', { clusterIP: 'None' })], listeners: [] },
  { name: 'not yet allocated: nothing', services: [service('n', {})], listeners: [] },
  { name: 'UDP ports are not proxied', services: [service('u', { clusterIP: '10.96.1.3', ports: [{ port: 53, protocol: 'UDP' }] })], listeners: [] },
]
for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(desiredProxy(c.services, c.endpoints ?? [], NODE).listeners.map(short), c.listeners)
  })
}

t.test('backends: ready addresses with the port of the same name, across subsets, deduplicated', async (t) => {
  const svc = service('a', { clusterIP: '10.96.1.2', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] })
  const ep = endpoints('a', [
    { addresses: [{ ip: '127.1.0.2' }, { ip: '127.1.0.3' }], notReadyAddresses: [{ ip: '127.1.0.9' }], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }] },
    { addresses: [{ ip: '127.2.0.2' }, { ip: '127.1.0.2' }], ports: [{ name: 'http', port: 8080 }] },
  ])
  const { targets } = desiredProxy([svc], [ep], NODE)
  t.same(targets.get('default/a:http')?.backends, [{ ip: '127.1.0.2', port: 8080 }, { ip: '127.1.0.3', port: 8080 }, { ip: '127.2.0.2', port: 8080 }])
  t.same(targets.get('default/a:metrics')?.backends, [{ ip: '127.1.0.2', port: 9100 }, { ip: '127.1.0.3', port: 9100 }])
  t.same(desiredProxy([svc], [], NODE).targets.get('default/a:http')?.backends, [], 'no Endpoints: no backends, listener still there')
})

t.test('ClientIP affinity: the timeout, defaulting to 10800 s', async (t) => {
  const sticky = desiredProxy([service('s', { clusterIP: '10.96.1.4', sessionAffinity: 'ClientIP' }), service('q', { clusterIP: '10.96.1.5', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } })], [], NODE)
  t.equal(sticky.targets.get('default/s:')?.affinityMs, 10_800_000)
  t.equal(sticky.targets.get('default/q:')?.affinityMs, 5000)
  t.equal(desiredProxy([service('r', { clusterIP: '10.96.1.6' })], [], NODE).targets.get('default/r:')?.affinityMs, undefined)
})
