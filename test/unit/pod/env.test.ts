import t from 'tap'
import { type EnvContext, type EnvObjects, envObjectFrom, envObjectRefs, expand, isEnvVarName, resolveEnv } from '../../../actors/pod/env.ts'
import type { Container } from '../../../actors/kube/objects.ts'
import { makePod, runPod } from './harness.ts'

const ref = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } })
const envOf = (r: ReturnType<typeof resolveEnv>): Record<string, string> => (r.ok ? r.env : { error: r.message })
const CTX: EnvContext = { nodeName: 'node-1', podIP: '10.1.0.5', hostIP: '10.0.0.1', allocatable: { cpu: '4', memory: '8Gi' } }
const cmKey = (name: string, cm: string, key: string, optional?: boolean) => ({ name, valueFrom: { configMapKeyRef: { name: cm, key, ...(optional !== undefined ? { optional } : {}) } } })
const secretKey = (name: string, secret: string, key: string, optional?: boolean) => ({ name, valueFrom: { secretKeyRef: { name: secret, key, ...(optional !== undefined ? { optional } : {}) } } })
const OBJECTS: EnvObjects = {
  'configmap/game': { data: { lives: '3', mode: 'easy' } },
  'configmap/more': { data: { mode: 'hard', level: '7' } },
  'secret/pw': { data: { password: 'hunter2' } },
  'configmap/gone': { notFound: true },
  'secret/gone': { notFound: true },
  'configmap/denied': { error: 'the server could not answer in time' },
}

t.test('env - values, $(VAR) expansion and downward API fieldRefs', async (t) => {
  const pod = makePod({}, { labels: { app: 'web' }, annotations: { 'team.io/owner': 'ops' } })
  const withSA = { ...pod, spec: { ...pod.spec, serviceAccountName: 'builder' } }
  const container = {
    name: 'app',
    env: [
      { name: 'GREETING', value: 'hi' },
      { name: 'MSG', value: '$(GREETING) from $(POD_NAME) $$(GREETING) $(NOPE)' },
      ref('POD_NAME', 'metadata.name'),
      ref('POD_NAMESPACE', 'metadata.namespace'),
      ref('POD_UID', 'metadata.uid'),
      ref('NODE', 'spec.nodeName'),
      ref('SA', 'spec.serviceAccountName'),
      ref('POD_IP', 'status.podIP'),
      ref('HOST_IP', 'status.hostIP'),
      ref('APP', "metadata.labels['app']"),
      ref('OWNER', "metadata.annotations['team.io/owner']"),
      ref('MISSING', "metadata.labels['none']"),
      ref('ODD', 'spec.unknown'),
      { name: 'EMPTY' },
    ],
  }
  t.strictSame(envOf(resolveEnv(container, withSA, { nodeName: 'node-1', podIP: '10.1.0.5', hostIP: '10.0.0.1' })), {
    GREETING: 'hi',
    MSG: 'hi from $(POD_NAME) $(GREETING) $(NOPE)',
    POD_NAME: 'web',
    POD_NAMESPACE: 'default',
    POD_UID: 'uid-1',
    NODE: 'node-1',
    SA: 'builder',
    POD_IP: '10.1.0.5',
    HOST_IP: '10.0.0.1',
    APP: 'web',
    OWNER: 'ops',
    MISSING: '',
    ODD: '',
    EMPTY: '',
  })
  t.equal(envOf(resolveEnv({ name: 'c', env: [ref('SA', 'spec.serviceAccountName')] }, pod, { nodeName: 'n', podIP: undefined, hostIP: 'h' })).SA, 'default')
})

t.test('env - expansion edge cases', async (t) => {
  t.equal(expand('$(A', { A: '1' }), '$(A')
  t.equal(expand('a$', {}), 'a$')
  t.equal(expand('$x$(A)', { A: '1' }), '$x1')
})

t.test('env - the pod actor sends the resolved env with the sandbox IP', async (t) => {
  const h = runPod(makePod({ containers: [{ name: 'app', image: 'x', env: [ref('IP', 'status.podIP'), ref('HOST', 'status.hostIP'), ref('NODE', 'spec.nodeName')] }] }))
  h.take()
  h.sandboxReady('10.1.0.9')
  const [start] = h.take()
  t.equal(start?.type, 'cri.startContainer')
  t.strictSame(start?.type === 'cri.startContainer' ? start.env : undefined, { IP: '10.1.0.9', HOST: '10.0.0.1', NODE: 'node-1' })
})

t.test('env - ConfigMaps and Secrets: envFrom first, then env in order, each overriding what came before', async (t) => {
  const pod = makePod({})
  const cases: { name: string; container: Omit<Container, 'name'>; want: Record<string, string> }[] = [
    {
      name: 'the issue\'s pod: keys, a secret key and a whole ConfigMap',
      container: { env: [cmKey('LIVES', 'game', 'lives'), secretKey('PASSWORD', 'pw', 'password')], envFrom: [{ configMapRef: { name: 'game' } }] },
      want: { lives: '3', mode: 'easy', LIVES: '3', PASSWORD: 'hunter2' },
    },
    {
      name: 'a later envFrom source overrides an earlier one; env overrides envFrom',
      container: { envFrom: [{ configMapRef: { name: 'game' } }, { configMapRef: { name: 'more' } }], env: [{ name: 'level', value: 'one' }] },
      want: { lives: '3', mode: 'hard', level: 'one' },
    },
    {
      name: 'prefix; a secret as a whole',
      container: { envFrom: [{ prefix: 'G_', configMapRef: { name: 'game' } }, { prefix: 'S_', secretRef: { name: 'pw' } }] },
      want: { G_lives: '3', G_mode: 'easy', S_password: 'hunter2' },
    },
    {
      name: '$(VAR) expands against envFrom and earlier env only',
      container: { envFrom: [{ configMapRef: { name: 'game' } }], env: [{ name: 'A', value: '$(mode)-$(B)-$(LIVES)' }, cmKey('LIVES', 'game', 'lives'), { name: 'B', value: 'x$(LIVES)' }] },
      want: { lives: '3', mode: 'easy', A: 'easy-$(B)-$(LIVES)', LIVES: '3', B: 'x3' },
    },
    {
      name: 'a literal value wins over valueFrom',
      container: { env: [{ name: 'V', value: 'lit', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }] },
      want: { V: 'lit' },
    },
    {
      name: 'optional: a missing object or key leaves the variable out (not even empty)',
      container: {
        envFrom: [{ configMapRef: { name: 'gone', optional: true } }, { secretRef: { name: 'gone', optional: true } }],
        env: [{ name: 'KEEP', value: 'before' }, cmKey('KEEP', 'gone', 'k', true), cmKey('NOKEY', 'game', 'nope', true), secretKey('NOSECRET', 'gone', 'k', true), secretKey('NOSKEY', 'pw', 'nope', true)],
      },
      want: { KEEP: 'before' },
    },
    {
      name: 'a missing ConfigMap fails the start',
      container: { env: [cmKey('LIVES', 'gone', 'lives')] },
      want: { error: 'configmap "gone" not found' },
    },
    {
      name: 'a missing Secret fails the start, envFrom too',
      container: { envFrom: [{ secretRef: { name: 'gone' } }] },
      want: { error: 'secret "gone" not found' },
    },
    {
      name: 'a missing ConfigMap key',
      container: { env: [cmKey('LIVES', 'game', 'livez')] },
      want: { error: "couldn't find key livez in ConfigMap default/game" },
    },
    {
      name: 'a missing Secret key',
      container: { env: [secretKey('PW', 'pw', 'pass')] },
      want: { error: "couldn't find key pass in Secret default/pw" },
    },
    {
      name: 'an object that could not be read fails even when optional',
      container: { env: [cmKey('X', 'denied', 'k', true)] },
      want: { error: 'the server could not answer in time' },
    },
    {
      name: 'an object nobody read (no API client)',
      container: { env: [cmKey('X', 'unread', 'k')] },
      want: { error: "couldn't get configMap default/unread, no kubeClient defined" },
    },
  ]
  for (const c of cases) t.strictSame(envOf(resolveEnv({ name: 'app', ...c.container }, pod, CTX, OBJECTS)), c.want, c.name)
})

t.test('env - envFrom keys that are no variable names are skipped with the kubelet\'s message', async (t) => {
  const objects: EnvObjects = { 'configmap/odd': { data: { ok: '1', 'b=ad': '2', 'a=lso': '3', 'app.properties': '4' } }, 'secret/odd': { data: { 'x=y': '5' } } }
  const r = resolveEnv({ name: 'app', envFrom: [{ configMapRef: { name: 'odd' } }, { secretRef: { name: 'odd' } }] }, makePod({}), CTX, objects)
  t.ok(r.ok)
  if (!r.ok) return
  t.strictSame(r.env, { ok: '1', 'app.properties': '4' }, 'relaxed names (v1.32): any printable ASCII but =')
  t.strictSame(r.invalidNames, [
    'Keys [a=lso, b=ad] from the EnvFrom configMap default/odd were skipped since they are considered invalid environment variable names.',
    'Keys [x=y] from the EnvFrom secret default/odd were skipped since they are considered invalid environment variable names.',
  ])
  t.notOk(isEnvVarName(''))
  t.notOk(isEnvVarName('a\tb'))
  t.ok(isEnvVarName('Logging:LogLevel 1'))
})

t.test('env - the objects a container refers to, each once', async (t) => {
  t.strictSame(
    envObjectRefs({
      name: 'app',
      envFrom: [{ configMapRef: { name: 'game' } }, { secretRef: { name: 'pw' } }],
      env: [cmKey('A', 'game', 'lives'), secretKey('B', 'other', 'k'), { name: 'C', value: 'v', valueFrom: { configMapKeyRef: { name: 'unused', key: 'k' } } }, ref('D', 'metadata.name')],
    }),
    [
      { kind: 'configmap', name: 'game' },
      { kind: 'secret', name: 'pw' },
      { kind: 'secret', name: 'other' },
    ],
  )
  t.strictSame(envObjectRefs({ name: 'app', env: [{ name: 'A', value: '1' }] }), [])
})

t.test('env - API answers as objects: a Secret decoded, 404 not found, others their message', async (t) => {
  t.strictSame(envObjectFrom('configmap', 200, { data: { lives: '3' }, binaryData: { b: 'AA==' } }), { data: { lives: '3' } })
  t.strictSame(envObjectFrom('configmap', 200, { metadata: {} }), { data: {} })
  t.strictSame(envObjectFrom('secret', 200, { data: { password: 'aHVudGVyMg==', utf: 'w6k=' } }), { data: { password: 'hunter2', utf: 'é' } })
  t.strictSame(envObjectFrom('secret', 404, { message: 'secrets "pw" not found' }), { notFound: true })
  t.strictSame(envObjectFrom('configmap', 403, { message: 'forbidden' }), { error: 'forbidden' })
  t.strictSame(envObjectFrom('configmap', 500, undefined), { error: 'HTTP 500' })
})

t.test('env - resourceFieldRef: requests and limits with divisor, rounded up; a missing limit is the node allocatable', async (t) => {
  const res = (name: string, resource: string, divisor?: string, containerName?: string) => ({
    name,
    valueFrom: { resourceFieldRef: { resource, ...(divisor !== undefined ? { divisor } : {}), ...(containerName !== undefined ? { containerName } : {}) } },
  })
  const sidecar = { name: 'side', resources: { requests: { memory: '64Mi' } } }
  const container: Container = {
    name: 'app',
    resources: { requests: { cpu: '250m', memory: '100Mi' }, limits: { cpu: '1500m' } },
    env: [
      res('REQ_CPU', 'requests.cpu'),
      res('REQ_CPU_M', 'requests.cpu', '1m'),
      res('LIM_CPU', 'limits.cpu'),
      res('REQ_MEM', 'requests.memory'),
      res('REQ_MEM_MI', 'requests.memory', '1Mi'),
      res('LIM_MEM_GI', 'limits.memory', '1Gi'),
      res('SIDE_MEM_MI', 'requests.memory', '1Mi', 'side'),
      res('NO_REQ', 'requests.ephemeral-storage'),
    ],
  }
  const pod = makePod({ containers: [sidecar, container] })
  t.strictSame(envOf(resolveEnv(container, pod, CTX)), {
    REQ_CPU: '1',
    REQ_CPU_M: '250',
    LIM_CPU: '2',
    REQ_MEM: String(100 * 2 ** 20),
    REQ_MEM_MI: '100',
    LIM_MEM_GI: '8',
    SIDE_MEM_MI: '64',
    NO_REQ: '0',
  })
  t.strictSame(envOf(resolveEnv({ name: 'app', env: [res('X', 'limits.gpu')] }, pod, CTX)), { error: 'unsupported container resource : limits.gpu' })
})

t.test('env - a start reads the ConfigMaps and Secrets first; a missing one waits in CreateContainerConfigError and is read again 10 s later', async (t) => {
  const backoff = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }
  const container = { name: 'app', image: 'busybox', env: [cmKey('LIVES', 'game', 'lives'), secretKey('PASSWORD', 'pw', 'password')], envFrom: [{ configMapRef: { name: 'game' } }] }
  const h = runPod(makePod({ containers: [container], restartPolicy: 'Always' }), { backoff })
  h.take()
  h.sandboxReady()
  const read = { type: 'cri.readEnvObjects', name: 'app', namespace: 'default', refs: [{ kind: 'configmap', name: 'game' }, { kind: 'secret', name: 'pw' }] }
  t.strictSame(h.take(), [read])
  h.clear()
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { notFound: true }, 'secret/pw': { data: { password: 'hunter2' } } } })
  t.strictSame(h.take(), [], 'no container is created')
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.state, { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "game" not found' } })
  t.equal(h.lastStatus().phase, 'Pending')
  t.strictSame(h.events(), ['Normal Pulled Container image "busybox" already present on machine', 'Warning Failed Error: configmap "game" not found'])
  h.advance(9900)
  t.strictSame(h.take(), [])
  h.advance(100)
  t.strictSame(h.take(), [read], 'read again after the pod worker\'s 10 s')
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { data: { mode: 'easy' } }, 'secret/pw': { data: { password: 'hunter2' } } } })
  t.strictSame(h.lastStatus().containerStatuses?.[0]?.state?.waiting?.message, "couldn't find key lives in ConfigMap default/game")
  h.take()
  h.advance(10_000)
  t.strictSame(h.take(), [read], 'not doubled')
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { data: { lives: '3', mode: 'easy' } }, 'secret/pw': { data: { password: 'hunter2' } } } })
  const [start] = h.take()
  t.strictSame(start?.type === 'cri.startContainer' ? start.env : undefined, { lives: '3', mode: 'easy', LIVES: '3', PASSWORD: 'hunter2' })
  h.started('app')
  t.equal(h.lastStatus().phase, 'Running')
  t.equal(h.lastStatus().containerStatuses?.[0]?.restartCount, 0)
  // A restart reads them again: the new values, not the ones of the first start.
  h.exited('app', 1)
  t.strictSame(h.take(), [read], 'the first exit restarts at once, reading again')
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { data: { lives: '2', mode: 'easy' } }, 'secret/pw': { data: { password: 'x' } } } })
  const [restart] = h.take()
  t.strictSame(restart?.type === 'cri.startContainer' ? { env: restart.env, attempt: restart.attempt } : undefined, { env: { lives: '2', mode: 'easy', LIVES: '2', PASSWORD: 'x' }, attempt: 1 })
})

t.test('env - a pod deleted while its container waits for its objects ends without creating it', async (t) => {
  const h = runPod(makePod({ containers: [{ name: 'app', image: 'busybox', env: [cmKey('LIVES', 'game', 'lives')] }] }))
  h.take()
  h.sandboxReady()
  t.equal(h.take()[0]?.type, 'cri.readEnvObjects')
  h.send({ type: 'pod.stop', graceSeconds: 30 })
  t.strictSame(h.take(), [{ type: 'cri.removeSandbox' }])
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { data: { lives: '3' } } } })
  t.strictSame(h.take(), [], 'the late answer is ignored')
  h.reply({ type: 'cri.sandboxRemoved' })
  t.ok(h.done)
})

t.test('env - invalid envFrom names are a Warning event, and the container starts', async (t) => {
  const h = runPod(makePod({ containers: [{ name: 'app', image: 'busybox', envFrom: [{ prefix: 'a=', configMapRef: { name: 'game' } }] }] }))
  h.sandboxReady()
  h.take()
  h.clear()
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { data: { lives: '3' } } } })
  t.equal(h.take()[0]?.type, 'cri.startContainer')
  t.strictSame(h.events(), ['Warning InvalidEnvironmentVariableNames Keys [a=lives] from the EnvFrom configMap default/game were skipped since they are considered invalid environment variable names.'])
})

t.test('env - $(VAR) in command and args is expanded against the resolved env, as the kubelet runs the container', async (t) => {
  const container = { name: 'app', image: 'busybox', command: ['/bin/echo', '$(LIVES) lives'], args: ['$(mode)', '$$(LIVES)', '$(NOPE)'], env: [cmKey('LIVES', 'game', 'lives')], envFrom: [{ configMapRef: { name: 'game' } }] }
  const h = runPod(makePod({ containers: [container] }))
  h.take()
  h.sandboxReady()
  h.take()
  h.reply({ type: 'cri.envObjectsRead', name: 'app', objects: { 'configmap/game': { data: { lives: '3', mode: 'easy' } } } })
  const [start] = h.take()
  t.strictSame(start?.type === 'cri.startContainer' ? [start.container.command, start.container.args] : undefined, [['/bin/echo', '3 lives'], ['easy', '$(LIVES)', '$(NOPE)']])
})
