/** handle(): a pod created inside a traced request records the request's span (one trace per pod). */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { TRACEPARENT_ANNOTATION } from '../../../actors/kube/trace-annotation.ts'
import { bodyOf, cluster, deployment, pod, PODS, request } from './memory-objects.ts'

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

t.test('trace annotation - a pod created in a traced request records its traceparent', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle({ ...request('POST', PODS, { body: pod('web') }), traceparent: TRACEPARENT }, ports))
  t.equal(status, 201)
  t.equal(body.metadata.annotations?.[TRACEPARENT_ANNOTATION], TRACEPARENT)
  const got = bodyOf(await handle(request('GET', `${PODS}/web`), ports))
  t.equal(got.body.metadata.annotations?.[TRACEPARENT_ANNOTATION], TRACEPARENT, 'it is stored')
})

t.test('trace annotation - the client’s own annotation wins; other annotations stay', async (t) => {
  const ports = await cluster(handle)
  const mine = '00-11111111111111111111111111111111-2222222222222222-01'
  const withAnnotations = { ...pod('web'), metadata: { name: 'web', annotations: { [TRACEPARENT_ANNOTATION]: mine, team: 'a' } } }
  const { body } = bodyOf(await handle({ ...request('POST', PODS, { body: withAnnotations }), traceparent: TRACEPARENT }, ports))
  t.same(body.metadata.annotations, { [TRACEPARENT_ANNOTATION]: mine, team: 'a' })
  const other = { ...pod('db'), metadata: { name: 'db', annotations: { team: 'b' } } }
  const second = bodyOf(await handle({ ...request('POST', PODS, { body: other }), traceparent: TRACEPARENT }, ports))
  t.same(second.body.metadata.annotations, { team: 'b', [TRACEPARENT_ANNOTATION]: TRACEPARENT })
})

t.test('trace annotation - untraced requests and other kinds get none', async (t) => {
  const ports = await cluster(handle)
  const plain = bodyOf(await handle(request('POST', PODS, { body: pod('web') }), ports))
  t.equal(plain.body.metadata.annotations, undefined, 'no traceparent, no annotation')
  const d = bodyOf(await handle({ ...request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('web') }), traceparent: TRACEPARENT }, ports))
  t.equal(d.status, 201)
  t.equal(d.body.metadata.annotations?.[TRACEPARENT_ANNOTATION], undefined, 'only pods are annotated')
})
