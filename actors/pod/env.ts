/**
 * A container's environment as the kubelet builds it (kubelet_pods.go makeEnvironmentVariables):
 * literal values, `$(VAR)` references to variables defined earlier, and the downward API's
 * fieldRefs. The pod actor resolves it, so every runtime gets plain strings.
 */
import type { Container, Pod } from '../kube/objects.ts'

/** What the fieldRefs read that is not in the pod object the API sent. */
export interface EnvContext {
  readonly nodeName: string
  readonly podIP: string | undefined
  readonly hostIP: string
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/

/** The value of a downward API fieldPath, or undefined when the path is not one Kubernetes allows. */
export function fieldRefValue(pod: Pod, fieldPath: string, ctx: EnvContext): string | undefined {
  const meta = pod.metadata
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? ''
    case 'metadata.namespace':
      return meta.namespace ?? 'default'
    case 'metadata.uid':
      return meta.uid ?? ''
    case 'spec.nodeName':
      return pod.spec.nodeName ?? ctx.nodeName
    case 'spec.serviceAccountName':
      return serviceAccountName(pod)
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP ?? ''
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP
  }
  const m = SUBSCRIPT.exec(fieldPath)
  if (!m) return undefined
  const map = m[1] === 'labels' ? meta.labels : meta.annotations
  return map?.[m[2] ?? ''] ?? ''
}

/** PodSpec in objects.ts leaves serviceAccountName out; the API may still send it. */
function serviceAccountName(pod: Pod): string {
  const spec: object = pod.spec
  const name = 'serviceAccountName' in spec ? spec.serviceAccountName : undefined
  return typeof name === 'string' ? name : 'default'
}

/**
 * Kubernetes' expansion (third_party/forked/golang/expansion): `$(NAME)` becomes the value of an
 * earlier variable, `$$` is a literal `$`, and a reference to an unknown name stays as written.
 */
export function expand(value: string, vars: Readonly<Record<string, string>>): string {
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]
    if (ch !== '$' || i + 1 >= value.length) {
      out += ch
      continue
    }
    const next = value[i + 1]
    if (next === '$') {
      out += '$'
      i++
    } else if (next === '(') {
      const close = value.indexOf(')', i + 2)
      if (close < 0) {
        out += value.slice(i)
        break
      }
      const name = value.slice(i + 2, close)
      out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`
      i = close
    } else {
      out += ch
    }
  }
  return out
}

/** The container's env in order, later entries overriding earlier ones; unknown fieldPaths give ''. */
export function resolveEnv(container: Container, pod: Pod, ctx: EnvContext): Record<string, string> {
  const env: Record<string, string> = {}
  for (const v of container.env ?? []) {
    const ref = v.valueFrom?.fieldRef
    env[v.name] = ref !== undefined ? (fieldRefValue(pod, ref.fieldPath, ctx) ?? '') : expand(v.value ?? '', env)
  }
  return env
}
