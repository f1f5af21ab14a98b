import t from 'tap'
import * as k from '../../../actors/apiserver/meta/keys.ts'

t.test('keys and prefixes', async (t) => {
  const cases: [k.ResourceRef, string | undefined, string, string][] = [
    [{ resource: 'pods' }, 'default', 'x', '/registry/core/pods/default/x'],
    [{ group: '', resource: 'nodes' }, undefined, 'n1', '/registry/core/nodes/n1'],
    [{ group: 'apps', resource: 'deployments' }, 'd', 'web', '/registry/apps/deployments/d/web'],
    [{ group: 'coordination.k8s.io', resource: 'leases' }, 'kube-node-lease', 'n1', '/registry/coordination.k8s.io/leases/kube-node-lease/n1'],
    [{ resource: 'namespaces' }, '', 'default', '/registry/core/namespaces/default'],
  ]
  for (const [ref, ns, name, want] of cases) {
    const key = k.storeKey(ref, ns, name)
    t.equal(key, want)
    const parsed = k.parseStoreKey(key)
    t.same(parsed, ns ? { group: ref.group ?? '', resource: ref.resource, namespace: ns, name } : { group: ref.group ?? '', resource: ref.resource, name })
    t.ok(key.startsWith(k.storePrefix(ref)), 'under the all-namespaces prefix')
    if (ns) t.ok(key.startsWith(k.storePrefix(ref, ns)), 'under the namespace prefix')
  }
  t.equal(k.storePrefix({ resource: 'pods' }), '/registry/core/pods/')
  t.equal(k.storePrefix({ resource: 'pods' }, 'default'), '/registry/core/pods/default/')
  t.notOk(k.storeKey({ resource: 'podtemplates' }, 'default', 'x').startsWith(k.storePrefix({ resource: 'pods' })))
  t.notOk(k.storeKey({ resource: 'pods' }, 'default2', 'x').startsWith(k.storePrefix({ resource: 'pods' }, 'default')))
  t.throws(() => k.storeKey({ resource: 'pods' }, 'd', 'a/b'))
  t.throws(() => k.storeKey({ resource: 'pods' }, 'd', ''))
  for (const bad of ['/other/core/pods/x', '/registry/core/pods', '/registry/core/pods/a/b/c', '/registry//pods/x']) t.equal(k.parseStoreKey(bad), undefined, bad)
})

t.test('resourceVersion <-> modRevision', async (t) => {
  const good: [string | undefined, number][] = [[undefined, 0], ['', 0], ['0', 0], ['1', 1], ['12345', 12345], ['007', 7], [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER]]
  for (const [rv, want] of good) t.same(k.parseResourceVersion(rv), { ok: true, revision: want }, String(rv))
  const bad: [string, string][] = [
    ['abc', 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
    ['-1', 'resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax'],
    ['1.5', 'resourceVersion: Invalid value: "1.5": strconv.ParseUint: parsing "1.5": invalid syntax'],
    [' 1', 'resourceVersion: Invalid value: " 1": strconv.ParseUint: parsing " 1": invalid syntax'],
    ['99999999999999999999', 'resourceVersion: Invalid value: "99999999999999999999": strconv.ParseUint: parsing "99999999999999999999": value out of range'],
  ]
  for (const [rv, msg] of bad) {
    const r = k.parseResourceVersion(rv)
    t.notOk(r.ok, rv)
    if (!r.ok) {
      t.equal(r.error.code, 400)
      t.equal(r.error.status.reason, 'BadRequest')
      t.equal(r.error.status.message, msg)
    }
  }
  t.equal(k.formatResourceVersion(42), '42')
  t.throws(() => k.formatResourceVersion(-1))
  t.throws(() => k.formatResourceVersion(1.5))
})
