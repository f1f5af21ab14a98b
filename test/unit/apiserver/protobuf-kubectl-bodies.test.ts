/**
 * The bodies real kubectl (1.32 and 1.33; 1.27 still sends JSON) sends from its `create` generators (captured bytes, in
 * fixtures/), decoded to exactly the JSON the same command prints with --dry-run=client -o json
 * (Go's JSON of the same object), nulls aside: Go writes a zero creationTimestamp as null, we
 * leave it out. Each then survives our encoder and decoder unchanged.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { decodeProtobufObject, encodeProtobufObject } from '../../../actors/apiserver/protobuf/codec.ts'

interface Captured {
  readonly command: string
  readonly protobuf: string
  readonly json: unknown
}

const load = (version: string) => JSON.parse(readFileSync(new URL(`./fixtures/kubectl-${version}-protobuf-bodies.json`, import.meta.url), 'utf8')) as { bodies: Captured[] }
const VERSIONS = ['1.32', '1.33'] as const

const withoutNulls = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutNulls)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]))
      : value

for (const version of VERSIONS) {
  const fixtures = load(version)

  t.test(`protobuf - kubectl ${version} generator bodies decode to the JSON kubectl itself prints`, async (t) => {
    t.ok(fixtures.bodies.length >= 19, 'every captured command is checked')
    for (const captured of fixtures.bodies) {
      const decoded = decodeProtobufObject(new Uint8Array(Buffer.from(captured.protobuf, 'base64')))
      if (!decoded.ok) {
        t.fail(`${captured.command}: ${decoded.message}`)
        continue
      }
      t.same(decoded.value, withoutNulls(captured.json), captured.command)
      t.strictSame(decoded.value, withoutNulls(captured.json), `${captured.command} (same JSON types)`)
    }
  })

  t.test(`protobuf - each decoded kubectl ${version} generator object encodes and decodes back to itself`, async (t) => {
    for (const captured of fixtures.bodies) {
      const decoded = decodeProtobufObject(new Uint8Array(Buffer.from(captured.protobuf, 'base64')))
      if (!decoded.ok) {
        t.fail(`${captured.command}: ${decoded.message}`)
        continue
      }
      const encoded = encodeProtobufObject(decoded.value)
      t.ok(encoded, `${captured.command}: has a protobuf form`)
      if (encoded) t.strictSame(decodeProtobufObject(encoded), decoded, captured.command)
    }
  })

  t.test(`protobuf - the captured kubectl ${version} commands cover every kind a generator creates`, async (t) => {
    const kinds = new Set(fixtures.bodies.map((b) => (b.json as { kind: string }).kind))
    t.same([...kinds].sort(), ['ClusterRoleBinding', 'ConfigMap', 'CronJob', 'Deployment', 'Ingress', 'Job', 'Namespace', 'PodDisruptionBudget', 'PriorityClass', 'ResourceQuota', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount'])
  })
}
