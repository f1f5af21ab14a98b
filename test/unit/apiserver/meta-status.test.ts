import t from 'tap'
import * as s from '../../../actors/apiserver/meta/status.ts'
import { FieldPath, required, invalid as invalidField } from '../../../actors/apiserver/field-errors.ts'

const image = required(FieldPath.root('spec').child('containers').index(0).child('image'))
const nameErr = invalidField(FieldPath.root('metadata').child('name'), 'X', 'bad')

t.test('builders: codes, reasons, messages, details', async (t) => {
  const cases: [string, s.StatusError, number, string, string, unknown][] = [
    ['notFound', s.notFound('pods', 'x'), 404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' }],
    ['notFound group', s.notFound('deployments', 'web', 'apps'), 404, 'NotFound', 'deployments.apps "web" not found', { name: 'web', group: 'apps', kind: 'deployments' }],
    ['alreadyExists', s.alreadyExists('pods', 'x'), 409, 'AlreadyExists', 'pods "x" already exists', { name: 'x', kind: 'pods' }],
    [
      'conflict',
      s.conflict('pods', 'x'),
      409,
      'Conflict',
      'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
      { name: 'x', kind: 'pods' },
    ],
    ['badRequest', s.badRequest('nope'), 400, 'BadRequest', 'nope', undefined],
    ['tooLarge', s.tooLarge(), 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728', undefined],
    ['unauthorized', s.unauthorized(), 401, 'Unauthorized', 'Unauthorized', undefined],
    [
      'forbidden list',
      s.forbidden({ user: 'bob', verb: 'list', resource: 'pods', namespace: 'default' }),
      403,
      'Forbidden',
      'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"',
      { kind: 'pods' },
    ],
    [
      'forbidden named, group, cluster scope, subresource',
      s.forbidden({ user: 'bob', verb: 'patch', resource: 'deployments', subresource: 'scale', group: 'apps', name: 'web' }),
      403,
      'Forbidden',
      'deployments.apps "web" is forbidden: User "bob" cannot patch resource "deployments/scale" in API group "apps" at the cluster scope',
      { name: 'web', group: 'apps', kind: 'deployments' },
    ],
    ['forbidden non-resource', s.forbidden({ user: 'bob', verb: 'get', path: '/healthz' }), 403, 'Forbidden', 'forbidden: User "bob" cannot get path "/healthz"', {}],
    ['methodNotAllowed', s.methodNotAllowed('pods/log', 'PATCH'), 405, 'MethodNotAllowed', 'PATCH is not supported on resources of kind "pods/log"', { kind: 'pods/log' }],
    ['gone', s.gone(s.tooOldResourceVersionMessage(5, 10)), 410, 'Expired', 'too old resource version: 5 (10)', undefined],
    ['internal', s.internal('boom'), 500, 'InternalError', 'Internal error occurred: boom', { causes: [{ message: 'boom' }] }],
    [
      'unsupportedMediaType',
      s.unsupportedMediaType(['application/json', 'application/yaml']),
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
      undefined,
    ],
    ['invalid one cause', s.invalid('Pod', 'x', [image]), 422, 'Invalid', 'Pod "x" is invalid: spec.containers[0].image: Required value', undefined],
    [
      'invalid two causes',
      s.invalid('Pod', 'x', [image, nameErr, image]),
      422,
      'Invalid',
      'Pod "x" is invalid: [spec.containers[0].image: Required value, metadata.name: Invalid value: "X": bad]',
      undefined,
    ],
    ['invalid group kind', s.invalid('Deployment', 'web', [image], 'apps'), 422, 'Invalid', 'Deployment.apps "web" is invalid: spec.containers[0].image: Required value', undefined],
  ]
  for (const [name, r, code, reason, message, details] of cases) {
    t.equal(r.code, code, `${name} code`)
    t.equal(r.status.code, code, `${name} status.code`)
    t.equal(r.status.reason, reason, `${name} reason`)
    t.equal(r.status.message, message, `${name} message`)
    t.equal(r.status.status, 'Failure')
    if (details !== undefined) t.same(r.status.details, details, `${name} details`)
    if (!name.startsWith('invalid') && details === undefined) t.notOk('details' in r.status, `${name} has no details`)
  }
})

t.test('exact JSON of NotFound (as in KUBECTL.md) and Invalid causes', async (t) => {
  t.equal(
    JSON.stringify(s.notFound('pods', 'x').status),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}',
  )
  const inv = s.invalid('Pod', 'x', [image])
  t.same(inv.status.details, {
    name: 'x',
    kind: 'Pod',
    causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }],
  })
  t.same(Object.keys(inv.status.details?.causes?.[0] ?? {}), ['reason', 'message', 'field'])
})

t.test('forbidden sanitizes html and appends the reason', async (t) => {
  const r = s.forbidden({ user: '<b>', verb: 'get', resource: 'pods', namespace: 'a', reason: 'no RBAC policy matched' })
  t.equal(r.status.message, 'pods is forbidden: User "&lt;b&gt;" cannot get resource "pods" in API group "" in the namespace "a": no RBAC policy matched')
})
