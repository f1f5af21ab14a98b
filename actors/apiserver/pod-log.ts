/**
 * GET pods/<name>/log (kubectl logs): checks the pod and the container as kube-apiserver does,
 * then hands the read to the kubelet of the pod's node through {@link ApiPorts.podLogs}.
 */
import type { Container, Pod } from '../kube/objects.ts'
import { parsePodLogQuery } from '../kubelet/log-protocol.ts'
import { json, type ApiRequest, type ApiResponse } from './http/api-request.ts'
import type { ResourcePath } from './http/route.ts'
import { storeKey } from './meta/keys.ts'
import { badRequest, methodNotAllowed, notFound, serviceUnavailable, type StatusError } from './meta/status.ts'
import type { ApiPorts } from './ports.ts'

const fail = (s: StatusError): ApiResponse => json(s.code, s.status)
const names = (containers: readonly Container[] | undefined) => (containers ?? []).map((c) => c.name)

export async function podLog(request: ApiRequest, at: ResourcePath, ports: ApiPorts): Promise<ApiResponse> {
  if (request.method !== 'GET') return fail(methodNotAllowed('pods/log', request.method.toLowerCase()))
  const options = parsePodLogQuery(request.query)
  if (typeof options === 'string') return fail(badRequest(options))
  const name = at.name!
  const namespace = at.namespace ?? 'default'
  const pod = (await ports.objects.get(storeKey({ group: '', resource: 'pods' }, namespace, name))) as Pod | undefined
  if (pod === undefined) return fail(notFound('pods', name))
  const containers = names(pod.spec.containers)
  const inits = names(pod.spec.initContainers)
  let container = options.container
  if (container === undefined) {
    if (containers.length !== 1) {
      const initPart = inits.length > 0 ? ` or one of the init containers: [${inits.join(' ')}]` : ''
      return fail(badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${initPart}`))
    }
    container = containers[0]!
  } else if (!containers.includes(container) && !inits.includes(container)) {
    return fail(badRequest(`container ${container} is not valid for pod ${name}`))
  }
  const nodeName = pod.spec.nodeName
  if (!nodeName) return fail(badRequest(`pod ${name} does not have a host assigned`))
  if (ports.podLogs === undefined) return fail(serviceUnavailable('pod logs are not served by this apiserver'))
  return ports.podLogs(nodeName, { namespace, name, ...options, container })
}
