/** What the kubelet puts in a pod for its service account (actors/pod/service-account-token.ts). */
import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import { apiAddressOf, automountsToken, podTokenRequest, renewAfterMs, serviceAccountEnv } from '../../../actors/pod/service-account-token.ts'

const pod = (spec: Record<string, unknown> = {}): Pod => ({ metadata: { name: 'web', namespace: 'ci', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } }) as unknown as Pod

t.test('service account token - a pod gets one unless it says false', async (t) => {
  t.equal(automountsToken(pod()), true)
  t.equal(automountsToken(pod({ automountServiceAccountToken: true })), true)
  t.equal(automountsToken(pod({ automountServiceAccountToken: false })), false)
})

t.test('service account token - the request is for the pod’s account, bound to the pod', async (t) => {
  t.same(podTokenRequest(pod({ serviceAccountName: 'robot' })), {
    path: '/api/v1/namespaces/ci/serviceaccounts/robot/token',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u1' } } },
  })
  t.equal(podTokenRequest(pod()).path, '/api/v1/namespaces/ci/serviceaccounts/default/token')
})

t.test('service account token - renewed at 80% of its life, at most a day later', async (t) => {
  t.equal(renewAfterMs(0, 3_607_000), 2_885_600)
  t.equal(renewAfterMs(0, 10 * 86_400_000), 86_400_000)
  t.equal(renewAfterMs(5000, 1000), 0, 'already expired: at once')
})

t.test('service account token - env: the files’ directory and the first apiserver of the kubernetes Endpoints', async (t) => {
  const endpoints = { subsets: [{ addresses: [{ ip: '127.0.0.1', hostname: 'master-1' }], ports: [{ name: 'https', port: 40123, protocol: 'TCP' }] }, { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 40124 }] }] }
  t.same(apiAddressOf(endpoints), { host: '127.0.0.1', port: 40123 })
  t.equal(apiAddressOf({ subsets: [] }), undefined)
  t.equal(apiAddressOf(undefined), undefined)
  t.same(serviceAccountEnv('/pods/x/sa', { host: '127.0.0.1', port: 40123 }), {
    ACTORKUBE_SERVICEACCOUNT_DIR: '/pods/x/sa',
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: '40123',
    KUBERNETES_SERVICE_PORT_HTTPS: '40123',
  })
  t.same(serviceAccountEnv('/d', undefined), { ACTORKUBE_SERVICEACCOUNT_DIR: '/d' }, 'no Endpoints: no address')
})
