/**
 * Bodies that are not a valid Kubernetes protobuf encoding are refused with a message naming
 * the problem, never decoded into a smaller object: unknown fields (at any depth), wrong wire
 * types, truncation, bad UTF-8, foreign envelopes. A well-formed body of a kind without a schema
 * is `unsupported` (the handlers answer 415, as kube-apiserver does for a CRD).
 */
import t from 'tap'
import { decodeProtobufObject } from '../../../actors/apiserver/protobuf/codec.ts'
import { bytes, entry, envelope, int, meta, msg, str, tag } from '../../helpers/protobuf-bytes.ts'

const configMap = (...raw: number[][]) => envelope('v1', 'ConfigMap', ...raw)
const deployment = (...containerFields: number[][]) =>
  // DeploymentSpec template = 3 -> PodTemplateSpec spec = 2 -> PodSpec containers = 2
  envelope('apps/v1', 'Deployment', meta('web'), msg(2, msg(3, msg(2, msg(2, str(1, 'app'), str(2, 'nginx'), ...containerFields)))))

const CASES: ReadonlyArray<readonly [string, Uint8Array, RegExp]> = [
  ['JSON sent as protobuf', new TextEncoder().encode('{"kind":"ConfigMap"}'), /does not start with the protobuf magic/],
  ['an unknown top-level field (99)', configMap(meta('cfg'), str(99, 'x')), /unknown field number 99 in ConfigMap/],
  ['an unknown field deep in a container', deployment(str(99, 'x')), /unknown field number 99 in spec\.template\.spec\.containers \(Container\)/],
  ['an unknown field in ObjectMeta', configMap(meta('cfg', int(15, 1))), /unknown field number 15 in metadata \(ObjectMeta\)/],
  ['a string field sent as a varint', configMap(msg(1, int(1, 7))), /metadata\.name: wire type 0 where 2 belongs/],
  ['a message field sent as a varint', configMap(int(1, 7)), /metadata: wire type 0 where 2 belongs/],
  ['a group (wire type 3)', configMap(meta('cfg'), [...tag(2, 3)]), /wire type 3 where 2 belongs/],
  ['text that is not UTF-8', configMap(msg(1, bytes(1, [0x66, 0xff]))), /metadata\.name: the text is not valid UTF-8/],
  ['a map key that is not UTF-8', configMap(meta('cfg'), msg(2, bytes(1, [0xc3]), str(2, 'v'))), /data \(key\): the text is not valid UTF-8/],
  ['an unknown field in a map entry', configMap(meta('cfg'), msg(2, str(1, 'k'), str(3, 'v'))), /unknown field number 3 in a map entry of data/],
  ['a length past the end', configMap(meta('cfg')).subarray(0, 20), /malformed/],
  ['managedFields fieldsV1 that is not JSON', configMap(meta('cfg', msg(17, str(1, 'kubectl'), msg(7, str(1, '{not json'))))), /fieldsV1 is not JSON/],
  ['an unknown field in the envelope', Uint8Array.from([...configMap(meta('cfg')), ...str(9, 'x')]), /unknown field number 9 in Unknown/],
  ['a compressed envelope', Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, 'v1'), str(2, 'ConfigMap')), ...bytes(2, meta('cfg')), ...str(3, 'gzip')]), /contentEncoding "gzip" is not supported/],
  ['an envelope without apiVersion and kind', Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytes(2, meta('cfg'))]), /does not name the object's apiVersion and kind/],
  ['a Secret with a map value sent as a varint', envelope('v1', 'Secret', meta('s'), msg(2, str(1, 'k'), int(2, 1))), /data \(value\): wire type 0 where 2 belongs/],
]

t.test('protobuf - malformed bodies are refused with the problem named', async (t) => {
  for (const [name, body, message] of CASES) {
    const decoded = decodeProtobufObject(body)
    t.equal(decoded.ok, false, `${name}: refused`)
    if (!decoded.ok) {
      t.equal(decoded.reason, 'malformed', `${name}: malformed`)
      t.match(decoded.message, message, name)
      t.match(decoded.message, /^the protobuf body is malformed: /, `${name}: says what is wrong`)
    }
  }
})

t.test('protobuf - a kind without a schema is unsupported, not malformed', async (t) => {
  const decoded = decodeProtobufObject(envelope('chaos.actorkube.io/v1alpha1', 'ChaosExperiment', meta('p')))
  t.same(decoded, { ok: false, reason: 'unsupported', message: 'chaos.actorkube.io/v1alpha1, Kind=ChaosExperiment is not served as application/vnd.kubernetes.protobuf' })
  t.same(decodeProtobufObject(envelope('example.com/v1', 'Widget', meta('w'))).ok, false)
})

t.test('protobuf - the same bodies without the fault decode', async (t) => {
  // The controls: each fault above is what makes its body fail.
  t.same(decodeProtobufObject(configMap(meta('cfg'), entry(2, 'k', str(2, 'v')))), { ok: true, value: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg' }, data: { k: 'v' } } })
  t.same(decodeProtobufObject(deployment()), {
    ok: true,
    value: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx' }] } } } },
  })
})
