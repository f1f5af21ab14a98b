/**
 * The Service environment variables a container starts with (Kubernetes' kubelet:
 * getServiceEnvVarMap and pkg/kubelet/envvars): for each Service of the pod's namespace with a
 * cluster IP (unless the pod sets `enableServiceLinks: false`), and always for the `kubernetes`
 * Service of `default`, `<NAME>_SERVICE_HOST` and `<NAME>_SERVICE_PORT[_<PORT NAME>]` plus the
 * Docker link variables (`<NAME>_PORT=tcp://host:port`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`).
 * They come first: anything else the container's environment sets wins over them.
 *
 * The host is where the Service can be reached, which the caller says: on a process worker a
 * cluster IP 10.96.b.c is served by kube-proxy at 127.96.b.c (actors/proxy/addresses.ts).
 * Pure.
 */
import type { Service } from '../kube/objects.ts'

/** The namespace and name of the Services every pod gets variables for, whatever its links setting. */
export const MASTER_SERVICE_NAMESPACE = 'default'
export const MASTER_SERVICES: ReadonlySet<string> = new Set(['kubernetes'])

/** `my-service` -> `MY_SERVICE`, as the kubelet names variables. */
export const envName = (name: string): string => name.toUpperCase().replace(/-/g, '_')

/** The Services whose variables a pod of `namespace` gets, one per name (the pod's own namespace wins over the master Service of the same name). */
export function linkedServices(services: readonly Service[], namespace: string, enableServiceLinks: boolean): Service[] {
  const byName = new Map<string, Service>()
  for (const service of services) {
    if (!hasClusterIP(service)) continue
    const name = service.metadata.name ?? ''
    const ns = service.metadata.namespace ?? 'default'
    if (ns === MASTER_SERVICE_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, service)
    } else if (ns === namespace && enableServiceLinks) {
      byName.set(name, service)
    }
  }
  return [...byName.values()]
}

/** The variables for `services`, with each one's host given by `hostOf` (a Service it gives no host for is left out). */
export function serviceLinkEnv(services: readonly Service[], hostOf: (service: Service) => string | undefined): Record<string, string> {
  const env: Record<string, string> = {}
  for (const service of services) {
    const host = hostOf(service)
    const ports = service.spec.ports ?? []
    if (host === undefined || ports.length === 0) continue
    const name = envName(service.metadata.name ?? '')
    env[`${name}_SERVICE_HOST`] = host
    env[`${name}_SERVICE_PORT`] = String(ports[0]!.port)
    for (const port of ports) {
      if (port.name) env[`${name}_SERVICE_PORT_${envName(port.name)}`] = String(port.port)
    }
    Object.assign(env, linkVariables(name, host, ports))
  }
  return env
}

function linkVariables(name: string, host: string, ports: NonNullable<Service['spec']['ports']>): Record<string, string> {
  const env: Record<string, string> = {}
  ports.forEach((port, i) => {
    const protocol = (port.protocol ?? 'TCP').toLowerCase()
    const url = `${protocol}://${host}:${port.port}`
    if (i === 0) env[`${name}_PORT`] = url
    const prefix = `${name}_PORT_${port.port}_${protocol.toUpperCase()}`
    env[prefix] = url
    env[`${prefix}_PROTO`] = protocol
    env[`${prefix}_PORT`] = String(port.port)
    env[`${prefix}_ADDR`] = host
  })
  return env
}

function hasClusterIP(service: Service): boolean {
  const ip = service.spec.clusterIP
  return ip !== undefined && ip !== '' && ip !== 'None'
}
