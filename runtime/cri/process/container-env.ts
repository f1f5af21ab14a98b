/**
 * The environment of a process container: what a pod would see from the kubelet and Docker
 * (HOSTNAME, the downward-API names the built-in images read) plus the address and ports it must
 * bind, and the pod actor's resolved `env` on top. The host's own environment is not passed on
 * (it may hold credentials), except PATH and HOME so that host commands run.
 */
import type { ContainerPort } from '../../../actors/kube/objects.ts'
import type { SandboxConfig } from '../container-runtime.ts'

export function containerEnv(
  sandbox: SandboxConfig,
  podIP: string,
  ports: readonly ContainerPort[],
  env: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOSTNAME: sandbox.name,
    POD_NAME: sandbox.name,
    POD_NAMESPACE: sandbox.namespace,
    POD_UID: sandbox.uid,
    POD_IP: podIP,
    NODE_NAME: sandbox.nodeName,
    HOST_IP: sandbox.hostIP,
  }
  if (process.env.HOME !== undefined) out.HOME = process.env.HOME
  const first = ports[0]
  if (first) out.PORT = String(first.containerPort)
  for (const port of ports) out[`ACTORKUBE_PORT_${port.containerPort}`] = String(port.containerPort)
  return { ...out, ...env }
}
