import t from 'tap'
import * as om from '../../../actors/apiserver/meta/object-meta.ts'
import { nameIsDNSLabel } from '../../../actors/apiserver/meta/names.ts'
import { invalid as statusInvalid } from '../../../actors/apiserver/meta/status.ts'

const fields = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`)

t.test('validateObjectMeta table', async (t) => {
  const uid = 'u1'
  const cases: [string, om.ObjectMeta | undefined, boolean, string[]][] = [
    ['ok namespaced', { name: 'x', namespace: 'default' }, true, []],
    ['ok cluster', { name: 'n1' }, false, []],
    ['no name', { namespace: 'default' }, true, ['metadata.name: Required value: name or generateName is required']],
    ['undefined meta', undefined, false, ['metadata.name: Required value: name or generateName is required']],
    ['namespace required', { name: 'x' }, true, ['metadata.namespace: Required value']],
    ['namespace forbidden', { name: 'x', namespace: 'default' }, false, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['namespace with dots', { name: 'x', namespace: 'a.b' }, true, ['metadata.namespace: Invalid value: "a.b": must not contain dots']],
    ['generateName ok with trailing dash', { generateName: 'web-', name: 'web-abcde', namespace: 'd' }, true, []],
    ['negative generation', { name: 'x', generation: -1 }, false, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    ['owner refs shape', { name: 'x', ownerReferences: [{ apiVersion: 'apps/v1/x', kind: '', name: 'r', uid }] }, false, [
      'metadata.ownerReferences.apiVersion: Invalid value: "apps/v1/x": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
    ]],
    ['owner ref missing name/uid', { name: 'x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet' }] }, false, [
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]],
    ['finalizers', { name: 'x', finalizers: ['kubernetes', 'example.com/f', 'a/b/c'] }, false, ['metadata.finalizers: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\', or \'my.name\', or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\') with an optional DNS subdomain prefix and \'/\' (e.g. \'example.com/MyName\')']],
    ['orphan and foreground', { name: 'x', finalizers: ['orphan', 'foregroundDeletion'] }, false, ['metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set']],
  ]
  for (const [name, meta, namespaced, want] of cases) t.same(fields(om.validateObjectMeta(meta, { namespaced })), want, name)
  const banned = om.validateObjectMeta({ name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid }] }, { namespaced: false })
  t.match(banned[0]?.message, /\/v1, Kind=Event is disallowed from being an owner$/)
  const two = om.validateObjectMeta(
    { name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid, controller: true }, { apiVersion: 'v1', kind: 'B', name: 'b', uid, controller: true }] },
    { namespaced: false },
  )
  t.match(two[0]?.message, /Only one reference can have Controller set to true\. Found "true" in references for A\/a and B\/b$/)
  t.same(fields(om.validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameFn: nameIsDNSLabel })), ['metadata.name: Invalid value: "a.b": must not contain dots'])
  const bad = om.validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, { namespaced: true })
  t.equal(
    statusInvalid('Pod', 'Bad_Name', bad).status.message,
    `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  )
})

t.test('prepareForCreate', async (t) => {
  const input = Object.freeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: Object.freeze({ generateName: 'web-', namespace: 'd', resourceVersion: '7', uid: 'client', deletionTimestamp: '2020-01-01T00:00:00Z', managedFields: [], generation: 9, selfLink: '/x' }),
    spec: { containers: [] },
    status: { phase: 'Running' },
  })
  const out = om.prepareForCreate(input, { now: '2024-05-01T12:00:00.987Z', uid: () => 'uid-1', random: () => 0 })
  t.same(out, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'd', name: 'web-bbbbb', uid: 'uid-1', creationTimestamp: '2024-05-01T12:00:00Z', generation: 1 },
    spec: { containers: [] },
    status: { phase: 'Running' },
  })
  t.equal(input.metadata.uid, 'client', 'input untouched')
  const kept = om.prepareForCreate({ metadata: { name: 'x', generateName: 'y-' } }, { now: 0, uid: () => 'u', random: () => 0, resetStatus: true })
  t.equal(kept.metadata?.name, 'x', 'name wins over generateName')
  t.equal(kept.metadata?.creationTimestamp, '1970-01-01T00:00:00Z')
  t.notOk('status' in om.prepareForCreate({ metadata: { name: 'x' }, status: {} }, { now: 0, uid: () => 'u', random: () => 0, resetStatus: true }))
  t.throws(() => om.rfc3339Seconds('not a date'))
  t.equal(om.rfc3339Seconds(1714564800999), '2024-05-01T12:00:00Z')
})

t.test('prepareForUpdate', async (t) => {
  const old = Object.freeze({
    metadata: { name: 'web', namespace: 'd', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 3, resourceVersion: '10', labels: { a: 'b' } },
    spec: { replicas: 1, template: { containers: [{ name: 'c', image: 'i' }] } },
    status: { replicas: 1 },
  })
  const next = (meta: om.ObjectMeta, spec: unknown, status: unknown = { replicas: 5 }) => ({ metadata: { name: 'web', namespace: 'd', resourceVersion: '10', ...meta }, spec, status })

  // Spec unchanged, metadata changed: generation stays; uid/creationTimestamp carried.
  let r = om.prepareForUpdate(old, next({ labels: { a: 'c' }, generation: 99 }, { replicas: 1, template: { containers: [{ name: 'c', image: 'i' }] } }))
  t.same(r.errors, [])
  t.same(r.object.metadata, { name: 'web', namespace: 'd', resourceVersion: '10', labels: { a: 'c' }, generation: 3, uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' })

  // Spec changed: generation bumped once.
  r = om.prepareForUpdate(old, next({}, { replicas: 2, template: { containers: [{ name: 'c', image: 'i' }] } }))
  t.equal(r.object.metadata?.generation, 4)

  // Semantic equality: absent vs empty/zero values do not count as a change.
  r = om.prepareForUpdate(old, next({}, { replicas: 1, paused: false, selector: {}, template: { containers: [{ name: 'c', image: 'i', env: [] }] } }))
  t.equal(r.object.metadata?.generation, 3)

  // Status-only change does not bump.
  r = om.prepareForUpdate(old, next({}, old.spec, { replicas: 9 }))
  t.equal(r.object.metadata?.generation, 3)

  // carryOver: main-resource update keeps the old status; status update keeps the old spec.
  r = om.prepareForUpdate(old, next({}, old.spec, { replicas: 9 }), { carryOver: ['status'] })
  t.same(r.object.status, { replicas: 1 })
  r = om.prepareForUpdate(old, next({}, { replicas: 7 }, { replicas: 9 }), { carryOver: ['spec'] })
  t.same(r.object.spec, old.spec)
  t.equal(r.object.metadata?.generation, 3)

  // Immutable fields.
  const cases: [string, om.ObjectMeta, string[]][] = [
    ['rename', { name: 'other' }, ['metadata.name: Invalid value: "other": field is immutable']],
    ['move', { namespace: 'e' }, ['metadata.namespace: Invalid value: "e": field is immutable']],
    ['new uid', { uid: 'u2' }, ['metadata.uid: Invalid value: "u2": field is immutable']],
    ['same uid', { uid: 'u1' }, []],
    ['creationTimestamp ignored', { creationTimestamp: '2030-01-01T00:00:00Z' }, []],
  ]
  for (const [name, meta, want] of cases) t.same(fields(om.prepareForUpdate(old, next(meta, old.spec)).errors), want, name)

  // Being deleted: deletionTimestamp kept, no new finalizers.
  const deleting = { metadata: { ...old.metadata, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a/b'] }, spec: {} }
  const d = om.prepareForUpdate(deleting, { metadata: { name: 'web', namespace: 'd', finalizers: ['a/b', 'c/d'] }, spec: {} })
  t.equal(d.object.metadata.deletionTimestamp, '2024-02-01T00:00:00Z')
  t.same(fields(d.errors), ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"c/d"}'])
})

t.test('semanticEqual', async (t) => {
  const eq: [unknown, unknown, boolean][] = [
    [{ a: 1 }, { a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: [] }, {}, true],
    [{ a: '' }, {}, true],
    [{ a: 0 }, { a: null }, true],
    [[1, 2], [2, 1], false],
    [{ a: { b: 'x' } }, { a: {} }, false],
    [undefined, {}, true],
    ['1', 1, false],
  ]
  for (const [a, b, want] of eq) t.equal(om.semanticEqual(a, b), want, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
})
