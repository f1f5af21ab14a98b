/**
 * Protobuf request bodies through the handlers: created and updated objects are stored as the
 * JSON they carry; a malformed body is a 400 with nothing stored; a kind without a schema 415.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, request } from './memory-objects.ts'
import { entry, envelope, meta, str } from '../../helpers/protobuf-bytes.ts'

const PROTOBUF = 'application/vnd.kubernetes.protobuf'
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps'
const kubectlBodies = JSON.parse(readFileSync(new URL('./fixtures/kubectl-1.32-protobuf-bodies.json', import.meta.url), 'utf8')) as { bodies: { command: string; protobuf: string }[] }
const kubectlBody = (command: string) => new Uint8Array(Buffer.from(kubectlBodies.bodies.find((b) => b.command.startsWith(command))!.protobuf, 'base64'))

t.test('protobuf handle - kubectl create configmap and deployment bodies are created', async (t) => {
  const ports = await cluster(handle)
  const cm = bodyOf(await handle(request('POST', CONFIGMAPS, { contentType: PROTOBUF, body: kubectlBody('kubectl create configmap') }), ports))
  t.equal(cm.status, 201)
  t.match(cm.body, { kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { a: 'b', empty: '' } })
  t.same(bodyOf(await handle(request('GET', `${CONFIGMAPS}/cm`), ports)).body.data, { a: 'b', empty: '' }, 'stored')

  const deploy = bodyOf(await handle(request('POST', '/apis/apps/v1/namespaces/default/deployments', { contentType: PROTOBUF, body: kubectlBody('kubectl create deployment') }), ports))
  t.equal(deploy.status, 201)
  t.match(deploy.body.spec, { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } } })
})

t.test('protobuf handle - an update (PUT) in protobuf replaces the object', async (t) => {
  const ports = await cluster(handle)
  t.equal(bodyOf(await handle(request('POST', CONFIGMAPS, { contentType: PROTOBUF, body: envelope('v1', 'ConfigMap', meta('cfg'), entry(2, 'k', str(2, 'one'))) }), ports)).status, 201)
  const put = bodyOf(await handle(request('PUT', `${CONFIGMAPS}/cfg`, { contentType: PROTOBUF, body: envelope('v1', 'ConfigMap', meta('cfg'), entry(2, 'k', str(2, 'two'))) }), ports))
  t.equal(put.status, 200)
  t.same(bodyOf(await handle(request('GET', `${CONFIGMAPS}/cfg`), ports)).body.data, { k: 'two' })
})

t.test('protobuf handle - a malformed body is a 400 and nothing is stored', async (t) => {
  const ports = await cluster(handle)
  const unknownField = bodyOf(await handle(request('POST', CONFIGMAPS, { contentType: PROTOBUF, body: envelope('v1', 'ConfigMap', meta('cfg'), str(99, 'x')) }), ports))
  t.same([unknownField.status, unknownField.body.reason, unknownField.body.message], [400, 'BadRequest', 'the protobuf body is malformed: unknown field number 99 in ConfigMap'])
  const truncated = bodyOf(await handle(request('POST', CONFIGMAPS, { contentType: PROTOBUF, body: envelope('v1', 'ConfigMap', meta('cfg')).subarray(0, 12) }), ports))
  t.equal(truncated.status, 400)
  const json = bodyOf(await handle(request('POST', CONFIGMAPS, { contentType: PROTOBUF, body: { kind: 'ConfigMap', metadata: { name: 'cfg' } } }), ports))
  t.same([json.status, json.body.message], [400, 'the protobuf body is malformed: the body does not start with the protobuf magic k8s\\0'])
  t.same(bodyOf(await handle(request('GET', CONFIGMAPS), ports)).body.items, [], 'nothing stored')
})

t.test('protobuf handle - a kind without a schema is 415; a body of another kind 400', async (t) => {
  const ports = await cluster(handle)
  const chaos = bodyOf(await handle(request('POST', '/apis/chaos.actorkube.io/v1alpha1/namespaces/default/chaosexperiments', { contentType: PROTOBUF, body: envelope('chaos.actorkube.io/v1alpha1', 'ChaosExperiment', meta('p')) }), ports))
  t.same([chaos.status, chaos.body.reason], [415, 'UnsupportedMediaType'])
  const wrongKind = bodyOf(await handle(request('POST', CONFIGMAPS, { contentType: PROTOBUF, body: envelope('v1', 'Secret', meta('s')) }), ports))
  t.same([wrongKind.status, wrongKind.body.message], [400, 'the body is a Secret, not a ConfigMap'])
  t.same(bodyOf(await handle(request('GET', CONFIGMAPS), ports)).body.items, [], 'nothing stored')
})
