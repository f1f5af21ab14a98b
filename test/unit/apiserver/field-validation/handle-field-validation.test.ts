/**
 * handle(): field validation on create, update and patch. Strict refuses with a 400 and stores
 * nothing; Warn (the default) and Ignore store the object without its unknown fields, Warn
 * naming them in the response's warnings; a Secret with bad base64 is a 400.
 */
import t from 'tap'
import { handle } from '../../../../actors/apiserver/handle.ts'
import type { ApiResponse } from '../../../../actors/apiserver/http/api-request.ts'
import { bodyOf, cluster, deployment, request } from '../memory-objects.ts'

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments'
const SECRETS = '/api/v1/namespaces/default/secrets'
const warningsOf = (response: ApiResponse): readonly string[] => (response.kind === 'json' ? (response.warnings ?? []) : [])

const withUnknown = () => {
  const d = deployment('web') as { spec: Record<string, unknown> }
  return { ...d, spec: { ...d.spec, replica: 3 } }
}

t.test('create - Strict: 400 naming the field, nothing stored', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle(request('POST', `${DEPLOYS}?fieldValidation=Strict`, { body: withUnknown() }), ports))
  t.equal(status, 400)
  t.equal(body.reason, 'BadRequest')
  t.equal(body.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"')
  t.equal(bodyOf(await handle(request('GET', `${DEPLOYS}/web`), ports)).status, 404)
})

t.test('create - Warn and the default: stored without the field, with a warning', async (t) => {
  for (const query of ['?fieldValidation=Warn', '']) {
    const ports = await cluster(handle)
    const response = await handle(request('POST', `${DEPLOYS}${query}`, { body: withUnknown() }), ports)
    t.equal(bodyOf(response).status, 201)
    t.same(warningsOf(response), ['unknown field "spec.replica"'])
    const stored = bodyOf(await handle(request('GET', `${DEPLOYS}/web`), ports)).body
    t.notOk('replica' in stored.spec, 'the unknown field is not stored')
  }
})

t.test('create - Ignore: stored without the field, no warning', async (t) => {
  const ports = await cluster(handle)
  const response = await handle(request('POST', `${DEPLOYS}?fieldValidation=Ignore`, { body: withUnknown() }), ports)
  t.equal(bodyOf(response).status, 201)
  t.same(warningsOf(response), [])
  t.notOk('replica' in bodyOf(response).body.spec)
})

t.test('create - duplicate fields in the JSON text', async (t) => {
  const ports = await cluster(handle)
  const text = JSON.stringify(deployment('web')).replace('"name":"web"', '"name":"web","name":"web"')
  const { status, body } = bodyOf(await handle(request('POST', `${DEPLOYS}?fieldValidation=Strict`, { body: text }), ports))
  t.equal(status, 400)
  t.match(body.message, /strict decoding error: duplicate field "metadata.name"/)
})

t.test('update and patch - Strict refuses, Warn drops', async (t) => {
  const ports = await cluster(handle)
  const created = bodyOf(await handle(request('POST', DEPLOYS, { body: deployment('web') }), ports)).body
  const put = bodyOf(await handle(request('PUT', `${DEPLOYS}/web?fieldValidation=Strict`, { body: { ...created, spec: { ...created.spec, foo: 1 } } }), ports))
  t.equal(put.status, 400)
  t.match(put.body.message, /unknown field "spec.foo"/)
  const patchBody = { spec: { template: { spec: { containers: [{ name: created.spec.template.spec.containers[0].name, imagePullPolcy: 'Always' }] } } } }
  const strict = bodyOf(await handle(request('PATCH', `${DEPLOYS}/web?fieldValidation=Strict`, { body: patchBody, contentType: 'application/strategic-merge-patch+json' }), ports))
  t.equal(strict.status, 400)
  t.match(strict.body.message, /unknown field "spec.template.spec.containers\[0\].imagePullPolcy"/)
  const warn = await handle(request('PATCH', `${DEPLOYS}/web?fieldValidation=Warn`, { body: patchBody, contentType: 'application/strategic-merge-patch+json' }), ports)
  t.equal(bodyOf(warn).status, 200)
  t.same(warningsOf(warn), ['unknown field "spec.template.spec.containers[0].imagePullPolcy"'])
  t.notOk('imagePullPolcy' in bodyOf(warn).body.spec.template.spec.containers[0])
})

t.test('a bad fieldValidation value is a 400', async (t) => {
  const ports = await cluster(handle)
  t.equal(bodyOf(await handle(request('POST', `${DEPLOYS}?fieldValidation=Loud`, { body: deployment('web') }), ports)).status, 400)
})

t.test('Secret - bad base64 is a 400 as the decoder says, whatever the directive', async (t) => {
  const ports = await cluster(handle)
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'not base64!' } }
  for (const query of ['', '?fieldValidation=Ignore']) {
    const { status, body } = bodyOf(await handle(request('POST', `${SECRETS}${query}`, { body: secret }), ports))
    t.equal(status, 400)
    t.equal(body.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3')
  }
})
