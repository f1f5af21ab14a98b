/**
 * Server-side field validation with real kubectl 1.32 against `actorkube up` (1 master, 2
 * hollow nodes): kubectl leaves `--validate` to the server (our OpenAPI advertises the
 * fieldValidation parameter), so `apply` of a manifest with a misspelt field fails naming it
 * (strict, kubectl's default), `--validate=warn` applies it with kubectl printing the server's
 * warning, `--validate=false` applies it silently, and the field is never stored; a Secret
 * with bad base64 is a 400. State is read with -o json / jsonpath.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlJson } from '../helpers/kubectl.ts'
import { startReadyUp } from '../helpers/up-process.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
t.setTimeout(180_000)

const { stateDir, kubectl } = await startReadyUp(t, ['--masters', '1', '--nats-servers', '1', '--workers', '0', '--hollow-nodes', '2', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-fieldval-' })

const manifest = async (name: string, text: string): Promise<string> => {
  const file = join(stateDir, `${name}.yaml`)
  await writeFile(file, text)
  return file
}

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: c
        image: actorkube/sleep
        imagePullPolcy: Always
`

type Container = Record<string, unknown>
const containerOf = async (name: string): Promise<Container> =>
  (await kubectlJson<{ spec: { template: { spec: { containers: Container[] } } } }>(kubectl, ['get', 'deployment', name])).spec.template.spec.containers[0]!

t.test('apply - strict by default: refused, naming the field, nothing stored', async (t) => {
  const r = await kubectl(['apply', '-f', await manifest('strict', deployment('strict'))])
  t.not(r.code, 0)
  t.match(r.stderr, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"')
  const get = await kubectl(['get', 'deployment', 'strict', '-o', 'jsonpath={.metadata.name}'])
  t.match(get.stderr, /NotFound|not found/)
})

t.test('apply --validate=warn: applied with the warning, the field not stored', async (t) => {
  const r = await kubectl(['apply', '--validate=warn', '-f', await manifest('warn', deployment('warn'))])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, 'Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"')
  const container = await containerOf('warn')
  t.equal(container.image, 'actorkube/sleep')
  t.notOk('imagePullPolcy' in container)
})

t.test('apply --validate=false: applied silently, the field not stored', async (t) => {
  const r = await kubectl(['apply', '--validate=false', '-f', await manifest('ignore', deployment('ignore'))])
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stderr, /unknown field/)
  t.notOk('imagePullPolcy' in (await containerOf('ignore')))
})

t.test('apply of a change with an unknown field: refused, the object unchanged', async (t) => {
  const changed = deployment('warn').replace('replicas: 1', 'replicas: 2\n  replica: 3')
  const r = await kubectl(['apply', '-f', await manifest('warn-2', changed)])
  t.not(r.code, 0)
  t.match(r.stderr, 'unknown field "spec.replica"')
  const replicas = await kubectl(['get', 'deployment', 'warn', '-o', 'jsonpath={.spec.replicas}'])
  t.equal(replicas.stdout, '1')
})

t.test('a Secret with bad base64: 400 from the decoder', async (t) => {
  const r = await kubectl(['apply', '-f', await manifest('secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: bad}\ndata: {password: "not base64!"}\n')])
  t.not(r.code, 0)
  t.match(r.stderr, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3')
  t.match(r.stderr, 'BadRequest')
})
