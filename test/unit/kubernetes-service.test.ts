/** The `kubernetes` Service and Endpoints `up` writes (runtime/cli/kubernetes-service.ts). */
import t from 'tap'
import { kubernetesEndpoints, kubernetesService } from '../../runtime/cli/kubernetes-service.ts'

t.test('kubernetes Service - default namespace, 10.96.0.1:443 to the named port https, no selector', async (t) => {
  const service = kubernetesService()
  t.match(service, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 'https' }] } })
  t.equal((service.spec as { selector?: unknown }).selector, undefined, 'no selector: the endpoints controller leaves it alone')
})

t.test('kubernetes Endpoints - one subset per apiserver (they share 127.0.0.1 and differ by port), by port', async (t) => {
  const endpoints = kubernetesEndpoints([{ name: 'master-2', port: 6445 }, { name: 'master-1', port: 6444 }])
  t.same(endpoints.subsets, [
    { addresses: [{ ip: '127.0.0.1', hostname: 'master-1' }], ports: [{ name: 'https', port: 6444, protocol: 'TCP' }] },
    { addresses: [{ ip: '127.0.0.1', hostname: 'master-2' }], ports: [{ name: 'https', port: 6445, protocol: 'TCP' }] },
  ])
  t.match(endpoints.metadata, { name: 'kubernetes', namespace: 'default' })
})
