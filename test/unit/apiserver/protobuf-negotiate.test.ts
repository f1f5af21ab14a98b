/** Which answers go out as protobuf: the client must prefer it, and the object must have an exact protobuf form. */
import t from 'tap'
import { decodeProtobufObject } from '../../../actors/apiserver/protobuf/codec.ts'
import { prefersProtobuf, protobufAnswer } from '../../../actors/apiserver/protobuf/negotiate.ts'

const PROTOBUF_FIRST = 'application/vnd.kubernetes.protobuf,application/json'

t.test('protobuf negotiate - the Accept header decides, in order of preference', async (t) => {
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    [PROTOBUF_FIRST, true], // client-go's generated clients (kubectl create ...)
    ['application/vnd.kubernetes.protobuf, */*', true],
    ['application/json', false],
    ['', false],
    ['*/*', false],
    ['application/json, application/vnd.kubernetes.protobuf', false],
    ['application/json;q=0.5, application/vnd.kubernetes.protobuf', true],
    ['application/vnd.kubernetes.protobuf;q=0, application/json', false],
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json', false], // kubectl get
    ['application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json', false],
    ['text/plain, application/vnd.kubernetes.protobuf', true],
  ]
  for (const [accept, expected] of cases) t.equal(prefersProtobuf(accept), expected, JSON.stringify(accept))
})

t.test('protobuf negotiate - an object with a schema is answered in protobuf when preferred', async (t) => {
  const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', uid: 'u-1', resourceVersion: '7', creationTimestamp: '2025-01-01T00:00:00Z' }, data: { a: 'b' } }
  const answer = protobufAnswer(PROTOBUF_FIRST, cm)
  t.ok(answer instanceof Uint8Array)
  if (answer) t.same(decodeProtobufObject(answer), { ok: true, value: cm })
  t.equal(protobufAnswer('application/json', cm), undefined, 'JSON when JSON is preferred')
})

t.test('protobuf negotiate - JSON whenever protobuf could not carry the whole answer', async (t) => {
  const cases: ReadonlyArray<readonly [string, unknown]> = [
    ['a field the schema does not know', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' }, extra: 1 }],
    ['a nested field the schema does not know', { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'x' }, spec: { replicas: 1, surprise: true } }],
    ['a value of the wrong type', { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'x' }, spec: { replicas: '1' } }],
    ['an int32 out of range', { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'x' }, spec: { replicas: 2 ** 31 } }],
    ['bytes that are not base64', { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'x' }, data: { k: 'not base64!' } }],
    ['a time that is not RFC 3339', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: 'yesterday' } }],
    ['a time with a fraction of a second (metav1.Time has whole seconds)', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', creationTimestamp: '2025-01-01T00:00:00.250Z' } }],
    ['a kind without a schema', { kind: 'ChaosExperiment', apiVersion: 'chaos.actorkube.io/v1alpha1', metadata: { name: 'x' } }],
    ['a list', { kind: 'ConfigMapList', apiVersion: 'v1', metadata: {}, items: [] }],
    ['a Table', { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: [], rows: [] }],
    ['not an object', 'text'],
  ]
  for (const [name, body] of cases) t.equal(protobufAnswer(PROTOBUF_FIRST, body), undefined, name)
})

t.test('protobuf negotiate - error Status answers go out in protobuf too', async (t) => {
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'configmaps' }, code: 404 }
  const answer = protobufAnswer(PROTOBUF_FIRST, status)
  t.ok(answer)
  if (answer) t.same(decodeProtobufObject(answer), { ok: true, value: status })
})
