/**
 * Server-side field validation with real kubectl 1.32 against `actorkube up` (1 master, 2
 * hollow nodes): kubectl leaves `--validate` to the server (our OpenAPI advertises the
 * fieldValidation parameter), so `apply` of a manifest with a misspelt field fails naming it
 * (strict, kubectl's default), `--validate=warn` applies it with kubectl printing the server's
 * warning, `--validate=false` applies it silently, and the field is never stored; a Secret
 * with bad base64 is a 400. Then `kubectl rollout history` and `rollout undo` of a DaemonSet
 * and a StatefulSet through their ControllerRevisions. Then the OpenAPI schemas: `kubectl explain`
 * of nested fields, and `apply`/`diff` of changed Deployments and Services patching from the
 * schema without falling back (no "error calculating patch" warning). State is read with -o json / jsonpath.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlJson } from '../helpers/kubectl.ts'
import { startReadyUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

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

const workload = (kind: 'DaemonSet' | 'StatefulSet', name: string) => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}}
spec:
${kind === 'StatefulSet' ? '  replicas: 1\n  serviceName: ' + name + '\n' : ''}  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - {name: c, image: actorkube/sleep:v1, resources: {requests: {cpu: 10m}}}
`

type Templated = { spec: { template: { spec: { containers: { image: string }[] } } } }
type Revision = { metadata: { name: string }; revision: number }
/** The revision numbers of the set's ControllerRevisions, sorted, once there are `count`. */
const revisionsOf = (name: string, count: number): Promise<number[]> =>
  waitFor(
    async () => {
      const list = await kubectlJson<{ items: Revision[] }>(kubectl, ['get', 'controllerrevisions', '-l', `app=${name}`])
      const numbers = list.items.map((r) => r.revision).sort((a, b) => a - b)
      return numbers.length === count ? numbers : undefined
    },
    { timeoutMs: 20_000, what: `${count} revisions of ${name}` },
  )

for (const [kind, resource] of [['DaemonSet', 'daemonset'], ['StatefulSet', 'statefulset']] as const) {
  t.test(`${kind} - rollout history lists each template's revision, rollout undo goes back`, async (t) => {
    const name = `hist-${resource}`
    const applied = await kubectl(['apply', '-f', await manifest(name, workload(kind, name))])
    t.equal(applied.code, 0, applied.stderr)
    t.same(await revisionsOf(name, 1), [1])
    t.equal((await kubectl(['set', 'image', `${resource}/${name}`, 'c=actorkube/sleep:v2'])).code, 0)
    t.same(await revisionsOf(name, 2), [1, 2])
    // kubectl prints the set as it was at that revision (its template patched in from the revision's data).
    const first = await kubectlJson<Templated>(kubectl, ['rollout', 'history', `${resource}/${name}`, '--revision=1'])
    t.equal(first.spec.template.spec.containers[0]!.image, 'actorkube/sleep:v1', 'revision 1 holds the first template')
    const undo = await kubectl(['rollout', 'undo', `${resource}/${name}`])
    t.equal(undo.code, 0, undo.stderr)
    const image = await kubectl(['get', resource, name, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])
    t.equal(image.stdout, 'actorkube/sleep:v1', 'the template is the first again')
    // The first template's revision is renumbered as the newest, as Kubernetes does.
    t.same(await waitFor(async () => {
      const numbers = await revisionsOf(name, 2)
      return numbers.includes(3) ? numbers : undefined
    }, { timeoutMs: 20_000, what: 'revision 3' }), [2, 3])
    const third = await kubectlJson<Templated>(kubectl, ['rollout', 'history', `${resource}/${name}`, '--revision=3'])
    t.equal(third.spec.template.spec.containers[0]!.image, 'actorkube/sleep:v1')
  })
}

const served = (name: string, image: string, env: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: c
        image: ${image}
        ports: [{containerPort: 8080, name: http}]
        env: [{name: MODE, value: ${env}}]
        resources: {requests: {cpu: 10m, memory: 16Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: http${env === 'b' ? ', name: web' : ''}}]
`

t.test('OpenAPI schemas: explain finds nested fields; apply and diff patch from the schema, with no warning', async (t) => {
  const ports = await kubectl(['explain', 'deployment.spec.template.spec.containers.ports'])
  t.equal(ports.code, 0, ports.stderr)
  t.match(ports.stdout, 'containerPort')
  const template = await kubectl(['explain', 'job.spec.template'])
  t.equal(template.code, 0, template.stderr)
  t.match(template.stdout, 'spec')

  const first = await kubectl(['apply', '-f', await manifest('served-a', served('served', 'actorkube/sleep:v1', 'a'))])
  t.equal(first.code, 0, first.stderr)
  const changed = await manifest('served-b', served('served', 'actorkube/sleep:v2', 'b'))
  // kubectl diff: exit 1 with the diff when the live objects differ.
  const diff = await kubectl(['diff', '-f', changed])
  t.equal(diff.code, 1, diff.stderr)
  t.match(diff.stdout, 'actorkube/sleep:v2')
  t.notMatch(diff.stderr, /error calculating patch/)
  const second = await kubectl(['apply', '-f', changed])
  t.equal(second.code, 0, second.stderr)
  t.notMatch(second.stderr, /error calculating patch/)
  const container = await containerOf('served')
  t.equal(container.image, 'actorkube/sleep:v2')
  t.same(container.env, [{ name: 'MODE', value: 'b' }])
  t.equal((await kubectl(['get', 'service', 'served', '-o', 'jsonpath={.spec.ports[0].name}'])).stdout, 'web')
  // Applied again unchanged: nothing to diff.
  const same = await kubectl(['diff', '-f', changed])
  t.equal(same.code, 0, same.stdout + same.stderr)
})
