/** planServiceAllocation: what a Service write keeps, asks for, allocates and gives up (table-driven). */
import t from 'tap'
import { planServiceAllocation, withAllocations, type AllocationPlan } from '../../../actors/apiserver/services/allocation-plan.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'

const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default', uid: 'u1' }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } })
const nodePort = (np?: number, extra: Record<string, unknown> = {}) => svc({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', ...(np === undefined ? {} : { nodePort: np }) }], ...extra })

interface Case {
  readonly name: string
  readonly next: KubeObject
  readonly previous?: KubeObject
  readonly plan?: Partial<AllocationPlan>
  readonly errors?: readonly string[]
}

const cases: readonly Case[] = [
  { name: 'create without clusterIP: allocate one', next: svc({}), plan: { clusterIP: { kind: 'allocate' }, nodePorts: [{ kind: 'none' }] } },
  { name: 'create headless', next: svc({ clusterIP: 'None' }), plan: { clusterIP: { kind: 'headless' } } },
  { name: 'create asking for an address', next: svc({ clusterIP: '10.96.3.4' }), plan: { clusterIP: { kind: 'request', ip: '10.96.3.4' } } },
  { name: 'clusterIPs alone is a request too', next: svc({ clusterIPs: ['10.96.3.4'] }), plan: { clusterIP: { kind: 'request', ip: '10.96.3.4' } } },
  { name: 'clusterIP and clusterIPs disagree', next: svc({ clusterIP: '10.96.3.4', clusterIPs: ['10.96.3.5'] }), errors: ['spec.clusterIPs[0]: Invalid value: "10.96.3.5": must match `spec.clusterIP`'] },
  { name: 'address out of range', next: svc({ clusterIP: '10.97.0.1' }), errors: ['spec.clusterIP: Invalid value: "10.97.0.1": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16'] },
  { name: 'not an address', next: svc({ clusterIP: '10.96.0.300' }), errors: ['spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  { name: 'headless NodePort', next: nodePort(undefined, { clusterIP: 'None' }), errors: [`spec.clusterIP: Invalid value: "None": may not be set to 'None' for NodePort services`] },
  { name: 'update without clusterIP keeps it', next: svc({}), previous: svc({ clusterIP: '10.96.0.9' }), plan: { clusterIP: { kind: 'keep', ip: '10.96.0.9' }, releaseIPs: [] } },
  { name: 'update changing clusterIP', next: svc({ clusterIP: '10.96.0.8' }), previous: svc({ clusterIP: '10.96.0.9' }), errors: ['spec.clusterIP: Invalid value: "10.96.0.8": field is immutable'] },
  { name: 'headless stays headless', next: svc({}), previous: svc({ clusterIP: 'None' }), plan: { clusterIP: { kind: 'headless' }, releaseIPs: [] } },
  { name: 'to ExternalName: the address goes', next: svc({ type: 'ExternalName', externalName: 'x.example' }), previous: svc({ clusterIP: '10.96.0.9' }), plan: { clusterIP: { kind: 'none' }, releaseIPs: ['10.96.0.9'] } },
  { name: 'NodePort without nodePort: allocate', next: nodePort(), plan: { nodePorts: [{ kind: 'allocate' }] } },
  { name: 'NodePort asking for one', next: nodePort(30080), plan: { nodePorts: [{ kind: 'request', port: 30080 }] } },
  { name: 'nodePort out of range', next: nodePort(80), errors: ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'] },
  { name: 'nodePort on a ClusterIP Service', next: svc({ ports: [{ port: 80, nodePort: 30080 }] }), errors: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"] },
  {
    name: 'the same nodePort twice',
    next: svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 81, nodePort: 30080 }] }),
    errors: ['spec.ports[1].nodePort: Duplicate value: 30080'],
  },
  {
    name: 'one nodePort for TCP and UDP is one reservation',
    next: svc({ type: 'NodePort', ports: [{ port: 53, protocol: 'TCP', nodePort: 30053 }, { port: 53, protocol: 'UDP', nodePort: 30053 }] }),
    plan: { nodePorts: [{ kind: 'request', port: 30053 }, { kind: 'keep', port: 30053 }] },
  },
  { name: 'update without nodePort keeps it', next: nodePort(), previous: nodePort(30080), plan: { nodePorts: [{ kind: 'keep', port: 30080 }], releasePorts: [] } },
  { name: 'update moving to another nodePort', next: nodePort(30081), previous: nodePort(30080), plan: { nodePorts: [{ kind: 'request', port: 30081 }], releasePorts: [30080] } },
  { name: 'NodePort to ClusterIP drops the carried nodePort', next: svc({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }), previous: nodePort(30080), plan: { nodePorts: [{ kind: 'none' }], releasePorts: [30080] } },
  { name: 'ClusterIP to NodePort allocates', next: nodePort(), previous: svc({ clusterIP: '10.96.0.9' }), plan: { nodePorts: [{ kind: 'allocate' }], releasePorts: [] } },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const out = planServiceAllocation(c.next, c.previous)
    if (c.errors !== undefined) {
      t.notOk(out.ok)
      if (!out.ok) t.same(out.errors.map((e) => `${e.field}: ${e.message}`), c.errors)
      return
    }
    t.ok(out.ok, out.ok ? '' : JSON.stringify(out.errors))
    if (out.ok) t.match(out.plan, c.plan ?? {})
  })
}

t.test('withAllocations writes clusterIP(s) and node ports and removes dropped ones', async (t) => {
  const out = withAllocations(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }, { port: 81 }] }), '10.96.0.7', [30001, undefined])
  t.same(out.spec, { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }, { port: 81 }], clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' })
  const external = withAllocations(svc({ type: 'ExternalName', clusterIP: '10.96.0.7' }), undefined, [undefined])
  t.notOk('clusterIP' in (external.spec as object))
})
