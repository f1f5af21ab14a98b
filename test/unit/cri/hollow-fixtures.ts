import type { Container } from '../../../actors/kube/objects.ts'
import type { SandboxConfig } from '../../../runtime/cri/container-runtime.ts'

export function sandboxConfig(annotations: Record<string, string> = {}, uid = 'uid-1'): SandboxConfig {
  return { uid, name: `pod-${uid}`, namespace: 'default', nodeName: 'node-1', hostIP: '10.0.0.1', labels: {}, annotations }
}

export function container(name = 'app', extra: Partial<Container> = {}): Container {
  return { name, image: 'actorkube/echo', ...extra }
}
