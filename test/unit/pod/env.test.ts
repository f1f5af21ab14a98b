import t from 'tap'
import { expand, resolveEnv } from '../../../actors/pod/env.ts'
import { makePod, runPod } from './harness.ts'

const ref = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } })

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
  t.strictSame(resolveEnv(container, withSA, { nodeName: 'node-1', podIP: '10.1.0.5', hostIP: '10.0.0.1' }), {
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
  t.equal(resolveEnv({ name: 'c', env: [ref('SA', 'spec.serviceAccountName')] }, pod, { nodeName: 'n', podIP: undefined, hostIP: 'h' }).SA, 'default')
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
