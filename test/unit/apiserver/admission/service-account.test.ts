/** The ServiceAccount admission plugin (admission/service-account.ts), alone and through handle(). */
import t from 'tap'
import { handle } from '../../../../actors/apiserver/handle.ts'
import { admitServiceAccount } from '../../../../actors/apiserver/admission/service-account.ts'
import { bodyOf, cluster, pod, PODS, request } from '../memory-objects.ts'

const SAS = '/api/v1/namespaces/default/serviceaccounts'
const withSpec = (name: string, spec: Record<string, unknown>) => ({ ...pod(name), metadata: { name, namespace: 'default' }, spec: { ...pod(name).spec, ...spec } })
const account = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'default' }, ...extra })

t.test('service account admission - the decision table', async (t) => {
  const cases: { name: string; pod: Record<string, unknown>; account?: Record<string, unknown>; want: unknown }[] = [
    { name: 'no account named: default', pod: withSpec('a', {}), account: account('default'), want: { ok: true, spec: { serviceAccountName: 'default' } } },
    { name: 'default not created yet: admitted', pod: withSpec('a', {}), want: { ok: true, spec: { serviceAccountName: 'default' } } },
    { name: 'the deprecated field alone names it', pod: withSpec('a', { serviceAccount: 'robot' }), account: account('robot'), want: { ok: true, spec: { serviceAccountName: 'robot' } } },
    {
      name: 'a missing named account: refused',
      pod: withSpec('a', { serviceAccountName: 'ghost' }),
      want: { ok: false, detail: 'error looking up service account default/ghost: serviceaccount "ghost" not found' },
    },
    { name: 'the account opts out: copied to the pod', pod: withSpec('a', {}), account: account('default', { automountServiceAccountToken: false }), want: { ok: true, spec: { automountServiceAccountToken: false } } },
    { name: 'the pod’s own choice wins', pod: withSpec('a', { automountServiceAccountToken: true }), account: account('default', { automountServiceAccountToken: false }), want: { ok: true, spec: { automountServiceAccountToken: true } } },
  ]
  for (const c of cases) {
    const admitted = admitServiceAccount(c.pod, c.account)
    t.match(admitted.ok ? { ok: true, spec: admitted.object.spec } : admitted, c.want, c.name)
  }
  const plain = admitServiceAccount(withSpec('a', {}), account('default'))
  t.notOk(plain.ok && 'automountServiceAccountToken' in (plain.object.spec as object), 'nothing said, nothing added')
  const mirror = { ...withSpec('m', { serviceAccountName: 'ghost' }), metadata: { name: 'm', namespace: 'default', annotations: { 'kubernetes.io/config.mirror': 'x' } } }
  t.same(admitServiceAccount(mirror, undefined), { ok: true, object: mirror }, 'mirror pods are left alone')
})

t.test('service account admission - through create: 403 with Kubernetes’ message, defaulted name stored', async (t) => {
  const ports = await cluster(handle)
  const refused = bodyOf(await handle(request('POST', PODS, { body: withSpec('x', { serviceAccountName: 'robot' }) }), ports))
  t.same([refused.status, refused.body.reason, refused.body.message], [403, 'Forbidden', 'pods "x" is forbidden: error looking up service account default/robot: serviceaccount "robot" not found'])
  t.equal(bodyOf(await handle(request('POST', SAS, { body: account('robot') }), ports)).status, 201)
  const created = bodyOf(await handle(request('POST', PODS, { body: withSpec('x', { serviceAccountName: 'robot' }) }), ports))
  t.equal(created.status, 201)
  const plain = bodyOf(await handle(request('POST', PODS, { body: pod('y') }), ports))
  t.equal(plain.body.spec.serviceAccountName, 'default')
})
