import t from 'tap'
import type { Action } from '../../../actors/controllers/actions.ts'
import type { Plan } from '../../../actors/controllers/manager.ts'
import { reconcileServiceAccounts } from '../../../actors/controllers/serviceaccount.ts'
import type { Namespace } from '../../../actors/kube/objects.ts'
import type { ServiceAccount } from '../../../actors/kube/service-account.ts'
import { T0, at, summary } from './fixtures.ts'
import { ManagerDriver } from './manager-driver.ts'

const ns = (name: string, o: { deleting?: boolean; phase?: 'Active' | 'Terminating' } = {}): Namespace => ({
  metadata: { name, uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: at(T0) } : {}) },
  status: { phase: o.phase ?? 'Active' },
})
const sa = (name: string, namespace: string): ServiceAccount => ({ metadata: { name, namespace, uid: `uid-sa-${namespace}-${name}` } })
const actionsOf = (plan: Plan | undefined): readonly Action[] => (plan?.type === 'act' ? plan.actions : [])

t.test('ServiceAccount - what each namespace gets', async (t) => {
  const cases: [string, Namespace, ServiceAccount[], string[]][] = [
    ['a new namespace gets its default account', ns('team'), [], ['create /api/v1/namespaces/team/serviceaccounts']],
    ['other accounts do not count', ns('team'), [sa('builder', 'team')], ['create /api/v1/namespaces/team/serviceaccounts']],
    ['one that has it is left alone', ns('team'), [sa('default', 'team')], []],
    ['a namespace being deleted gets none', ns('team', { deleting: true }), [], []],
    ['a Terminating namespace gets none', ns('team', { phase: 'Terminating' }), [], []],
  ]
  for (const [name, namespace, accounts, want] of cases) t.same(summary(reconcileServiceAccounts({ namespace, serviceAccounts: accounts }).actions), want, name)
  t.same(reconcileServiceAccounts({ namespace: ns('team'), serviceAccounts: [] }).actions[0], {
    type: 'create',
    path: '/api/v1/namespaces/team/serviceaccounts',
    object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'team' } },
  })
})

t.test('ServiceAccount - through the manager: namespaces at sync, a new namespace, a deleted account', async (t) => {
  const driver = new ManagerDriver()
  driver.change('namespaces', 'ADDED', ns('default'))
  driver.change('namespaces', 'ADDED', ns('kube-system'))
  driver.change('serviceAccounts', 'ADDED', sa('default', 'kube-system'))
  driver.sync()
  driver.at(100, () => driver.change('namespaces', 'ADDED', ns('team')))
  driver.at(200, () => driver.change('serviceAccounts', 'ADDED', sa('default', 'team')))
  driver.at(300, () => driver.change('serviceAccounts', 'DELETED', sa('default', 'team')))
  driver.at(400, () => driver.change('serviceAccounts', 'DELETED', sa('builder', 'kube-system')))
  driver.runUntil(1000)
  const runs = driver.starts.filter((s) => s.item.startsWith('serviceaccount:')).map((s) => [s.at, s.item, summary(actionsOf(s.plan))])
  t.same(runs, [
    [0, 'serviceaccount:default', ['create /api/v1/namespaces/default/serviceaccounts']],
    [0, 'serviceaccount:kube-system', []],
    [100, 'serviceaccount:team', ['create /api/v1/namespaces/team/serviceaccounts']],
    [300, 'serviceaccount:team', ['create /api/v1/namespaces/team/serviceaccounts']],
    [400, 'serviceaccount:kube-system', []],
  ])
})
