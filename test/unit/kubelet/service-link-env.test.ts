import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import { serviceLinkSource } from '../../../runtime/kubelet/service-link-env.ts'

const svc = (namespace: string, name: string, clusterIP: string, port: number) => ({ metadata: { namespace, name }, spec: { clusterIP, ports: [{ port }] } })
const pod = (enableServiceLinks?: boolean): Pod => ({ metadata: { name: 'p', namespace: 'shop', uid: 'u' }, spec: { containers: [], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) } }) as Pod

function fakeApi(answers: Record<string, { status: number; body: unknown }>) {
  const asked: string[] = []
  return {
    asked,
    api: {
      async call(_method: string, path: string) {
        asked.push(path)
        const answer = answers[path]
        if (answer === undefined) throw new Error(`unexpected ${path}`)
        return answer
      },
    },
  }
}

const SHOP = '/api/v1/namespaces/shop/services'
const KUBERNETES = '/api/v1/namespaces/default/services/kubernetes'

t.test('service link env - the namespace\'s Services and the kubernetes one, at kube-proxy\'s addresses', async (t) => {
  const { api } = fakeApi({ [SHOP]: { status: 200, body: { items: [svc('shop', 'web', '10.96.1.2', 80), svc('shop', 'db', 'None', 5432)] } }, [KUBERNETES]: { status: 200, body: svc('default', 'kubernetes', '10.96.0.1', 443) } })
  const env = await serviceLinkSource(api as never).mount(pod(), {})
  t.equal(env.WEB_SERVICE_HOST, '127.96.1.2')
  t.equal(env.KUBERNETES_SERVICE_HOST, '127.96.0.1')
  t.equal(env.DB_SERVICE_HOST, undefined, 'a headless Service has none')
})

t.test('service link env - enableServiceLinks false reads only the kubernetes Service; a missing one is no error', async (t) => {
  const { api, asked } = fakeApi({ [KUBERNETES]: { status: 404, body: {} } })
  t.same(await serviceLinkSource(api as never).mount(pod(false), {}), {})
  t.same(asked, [KUBERNETES])
})

t.test('service link env - a list that fails fails the mount (the sandbox is retried)', async (t) => {
  const { api } = fakeApi({ [SHOP]: { status: 503, body: {} }, [KUBERNETES]: { status: 404, body: {} } })
  await t.rejects(serviceLinkSource(api as never).mount(pod(), {}), /GET \/api\/v1\/namespaces\/shop\/services: 503/)
})
