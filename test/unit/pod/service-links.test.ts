import t from 'tap'
import type { Service } from '../../../actors/kube/objects.ts'
import { linkedServices, serviceLinkEnv } from '../../../actors/pod/service-links.ts'
import { localAddressOf } from '../../../actors/proxy/addresses.ts'

const service = (namespace: string, name: string, clusterIP: string, ports: Service['spec']['ports'] = [{ port: 80 }]): Service => ({ metadata: { namespace, name }, spec: { clusterIP, ports } })
const KUBERNETES = service('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }])

t.test('service links - the pod\'s namespace\'s Services with a cluster IP, and always default/kubernetes', async (t) => {
  const all = [KUBERNETES, service('default', 'other', '10.96.0.9'), service('shop', 'my-service', '10.96.1.2'), service('shop', 'headless', 'None'), service('shop', 'external', '')]
  t.same(linkedServices(all, 'shop', true).map((s) => s.metadata.name), ['kubernetes', 'my-service'])
  t.same(linkedServices(all, 'shop', false).map((s) => s.metadata.name), ['kubernetes'], 'enableServiceLinks: false keeps only the master Service')
  t.same(linkedServices(all, 'default', true).map((s) => s.metadata.name), ['kubernetes', 'other'])
  const shadow = service('shop', 'kubernetes', '10.96.3.3')
  t.same(linkedServices([KUBERNETES, shadow], 'shop', true), [shadow], 'a Service of the pod\'s namespace named kubernetes wins')
})

t.test('service links - HOST, PORT, named ports and the Docker link variables, at the address kube-proxy serves', async (t) => {
  const web = service('shop', 'my-service', '10.96.1.2', [{ port: 80 }, { name: 'metrics', port: 9090, protocol: 'TCP' }, { name: 'dns-udp', port: 53, protocol: 'UDP' }])
  t.same(serviceLinkEnv([web], (s) => localAddressOf(s.spec.clusterIP ?? '')), {
    MY_SERVICE_SERVICE_HOST: '127.96.1.2',
    MY_SERVICE_SERVICE_PORT: '80',
    MY_SERVICE_SERVICE_PORT_METRICS: '9090',
    MY_SERVICE_SERVICE_PORT_DNS_UDP: '53',
    MY_SERVICE_PORT: 'tcp://127.96.1.2:80',
    MY_SERVICE_PORT_80_TCP: 'tcp://127.96.1.2:80',
    MY_SERVICE_PORT_80_TCP_PROTO: 'tcp',
    MY_SERVICE_PORT_80_TCP_PORT: '80',
    MY_SERVICE_PORT_80_TCP_ADDR: '127.96.1.2',
    MY_SERVICE_PORT_9090_TCP: 'tcp://127.96.1.2:9090',
    MY_SERVICE_PORT_9090_TCP_PROTO: 'tcp',
    MY_SERVICE_PORT_9090_TCP_PORT: '9090',
    MY_SERVICE_PORT_9090_TCP_ADDR: '127.96.1.2',
    MY_SERVICE_PORT_53_UDP: 'udp://127.96.1.2:53',
    MY_SERVICE_PORT_53_UDP_PROTO: 'udp',
    MY_SERVICE_PORT_53_UDP_PORT: '53',
    MY_SERVICE_PORT_53_UDP_ADDR: '127.96.1.2',
  })
  t.same(serviceLinkEnv([web, service('shop', 'portless', '10.96.1.3', [])], () => undefined), {}, 'no host, or no port: no variables')
})
