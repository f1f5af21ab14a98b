import t from 'tap'
import { reconcileRootCaConfigMap, ROOT_CA_DESCRIPTION, type ConfigMap } from '../../../actors/controllers/root-ca-publisher.ts'
import type { Namespace } from '../../../actors/kube/objects.ts'
import { planHosts } from '../../../runtime/cluster/local-cluster.ts'
import type { Action } from '../../../actors/controllers/actions.ts'
import { controllerManagerKind } from '../../../actors/controllers/controller-manager.kind.ts'
import type { Plan } from '../../../actors/controllers/manager.ts'
import { T0, at, summary } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const DESCRIBED = { 'kubernetes.io/description': ROOT_CA_DESCRIPTION }

const ns = (name: string, o: { deleting?: boolean; phase?: 'Active' | 'Terminating' } = {}): Namespace => ({
  metadata: { name, uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: at(T0) } : {}) },
  status: { phase: o.phase ?? 'Active' },
})
const cm = (o: { data?: Record<string, string>; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kube-root-ca.crt', namespace: 'team', uid: 'uid-cm', resourceVersion: '7', annotations: o.annotations ?? DESCRIBED, ...(o.labels ? { labels: o.labels } : {}) },
  data: o.data ?? { 'ca.crt': CA },
})

t.test('root CA publisher - what each namespace gets', async (t) => {
  const create = ['create /api/v1/namespaces/team/configmaps']
  const update = ['update /api/v1/namespaces/team/configmaps/kube-root-ca.crt']
  const cases: [string, Namespace, ConfigMap | undefined, string[]][] = [
    ['a namespace without it gets it', ns('team'), undefined, create],
    ['one that has it as published is left alone', ns('team'), cm(), []],
    ['another description is left alone (only an empty one counts)', ns('team'), cm({ annotations: { 'kubernetes.io/description': 'mine' } }), []],
    ['changed data is restored', ns('team'), cm({ data: { 'ca.crt': 'not the CA' } }), update],
    ['a key added beside ca.crt goes', ns('team'), cm({ data: { 'ca.crt': CA, extra: 'x' } }), update],
    ['emptied data is restored', ns('team'), cm({ data: {} }), update],
    ['a removed description is put back', ns('team'), cm({ annotations: {} }), update],
    ['an emptied description is put back', ns('team'), cm({ annotations: { 'kubernetes.io/description': '' } }), update],
    ['a namespace being deleted gets none', ns('team', { deleting: true }), undefined, []],
    ['a Terminating namespace gets none', ns('team', { phase: 'Terminating' }), undefined, []],
    ['a Terminating namespace is not repaired', ns('team', { phase: 'Terminating' }), cm({ data: {} }), []],
  ]
  for (const [name, namespace, configMap, want] of cases) t.same(summary(reconcileRootCaConfigMap({ namespace, configMap, rootCa: CA }).actions), want, name)
})

t.test('root CA publisher - the objects written', async (t) => {
  t.same(reconcileRootCaConfigMap({ namespace: ns('team'), configMap: undefined, rootCa: CA }).actions, [
    {
      type: 'create',
      path: '/api/v1/namespaces/team/configmaps',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: DESCRIBED }, data: { 'ca.crt': CA } },
    },
  ])
  // The update is the object as read (its resourceVersion the precondition), its labels and other annotations kept.
  const changed = cm({ data: { 'ca.crt': 'old', extra: 'x' }, annotations: { owner: 'me' }, labels: { a: 'b' } })
  t.same(reconcileRootCaConfigMap({ namespace: ns('team'), configMap: changed, rootCa: CA }).actions, [
    {
      type: 'update',
      path: '/api/v1/namespaces/team/configmaps/kube-root-ca.crt',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-root-ca.crt', namespace: 'team', uid: 'uid-cm', resourceVersion: '7', annotations: { owner: 'me', ...DESCRIBED }, labels: { a: 'b' } },
        data: { 'ca.crt': CA },
      },
    },
  ])
  t.same(changed.data, { 'ca.crt': 'old', extra: 'x' }, 'the input is not changed')
})

t.test('root CA publisher - the description is Kubernetes\' own', async (t) => {
  t.equal(
    ROOT_CA_DESCRIPTION,
    'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
  )
})

const actionsOf = (plan: Plan | undefined): readonly Action[] => (plan?.type === 'act' ? plan.actions : [])
const inNs = (namespace: string, o: Parameters<typeof cm>[0] = {}): ConfigMap => {
  const c = cm(o)
  return { ...c, metadata: { ...c.metadata, namespace, uid: `uid-cm-${namespace}` } }
}

t.test('root CA publisher - through the manager: namespaces at sync, a new namespace, a deleted and a changed ConfigMap', async (t) => {
  const driver = new ManagerDriver({ options: { rootCa: CA } })
  driver.change('namespaces', 'ADDED', ns('default'))
  driver.change('namespaces', 'ADDED', ns('kube-system'))
  driver.change('rootCaConfigMaps', 'ADDED', inNs('kube-system', { annotations: {} }))
  driver.sync()
  driver.at(100, () => driver.change('namespaces', 'ADDED', ns('team')))
  driver.at(200, () => driver.change('rootCaConfigMaps', 'ADDED', inNs('team')))
  driver.at(300, () => driver.change('rootCaConfigMaps', 'DELETED', inNs('team')))
  driver.at(400, () => driver.change('rootCaConfigMaps', 'ADDED', inNs('team')))
  driver.at(500, () => driver.change('rootCaConfigMaps', 'MODIFIED', inNs('team', { data: { 'ca.crt': 'edited' } })))
  driver.at(600, () => driver.change('namespaces', 'MODIFIED', ns('team', { deleting: true })))
  driver.at(700, () => driver.change('rootCaConfigMaps', 'DELETED', inNs('team')))
  driver.runUntil(1000)
  const runs = driver.starts.filter((s) => s.item.startsWith('rootcacertpublisher:')).map((s) => [s.at, s.item, summary(actionsOf(s.plan))])
  t.same(runs, [
    [0, 'rootcacertpublisher:default', ['create /api/v1/namespaces/default/configmaps']],
    [0, 'rootcacertpublisher:kube-system', ['update /api/v1/namespaces/kube-system/configmaps/kube-root-ca.crt']],
    [100, 'rootcacertpublisher:team', ['create /api/v1/namespaces/team/configmaps']],
    [200, 'rootcacertpublisher:team', []],
    [300, 'rootcacertpublisher:team', ['create /api/v1/namespaces/team/configmaps']],
    [400, 'rootcacertpublisher:team', []],
    [500, 'rootcacertpublisher:team', ['update /api/v1/namespaces/team/configmaps/kube-root-ca.crt']],
    [700, 'rootcacertpublisher:team', []],
  ])
})

t.test('root CA publisher - without a root CA file nothing is published', async (t) => {
  const driver = new ManagerDriver()
  driver.change('namespaces', 'ADDED', ns('default'))
  driver.sync()
  driver.runUntil(100)
  t.same(driver.starts.filter((s) => s.item.startsWith('rootcacertpublisher:')).map((s) => s.plan), [undefined])
})

t.test('root CA publisher - the controllermanager option rootCaFile', async (t) => {
  const base = { apiservers: ['master-1'] }
  t.equal(controllerManagerKind.parseOptions(base).rootCaFile, undefined, 'none by default')
  t.equal(controllerManagerKind.parseOptions({ ...base, rootCaFile: '/state/security/pki/ca.crt' }).rootCaFile, '/state/security/pki/ca.crt')
  t.throws(() => controllerManagerKind.parseOptions({ ...base, rootCaFile: '' }), /controllermanager.rootCaFile: expected a file path/)
  t.throws(() => controllerManagerKind.parseOptions({ ...base, rootCaFile: 7 }), /controllermanager.rootCaFile: expected a file path/)
})

t.test('root CA publisher - up gives each master\'s controller manager the CA the apiservers\' PKI keeps', async (t) => {
  const plans = planHosts({ cluster: 'c1', masters: 2, workers: 0 }, ['nats://x'], '/state')
  const managers = plans.flatMap((p) => (p.config.actors as { kind: string; options?: Record<string, unknown> }[]).filter((a) => a.kind === 'controllermanager'))
  t.same(managers.map((a) => a.options?.rootCaFile), ['/state/security/pki/ca.crt', '/state/security/pki/ca.crt'])
})
