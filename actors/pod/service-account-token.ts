/**
 * What the kubelet puts in a pod for its service account, as Kubernetes' projected volume
 * `kube-api-access-*` does (a bound token, the cluster CA, the namespace), decided without I/O:
 * whether the pod gets one, the TokenRequest the kubelet sends for it, when the token is renewed
 * (the kubelet's token manager: at 80% of its life, or after 24 hours), and the environment that
 * tells a process where the files and the API are.
 */
import type { Pod } from '../kube/objects.ts'

/** Kubernetes' mount path, here below the pod's directory (a process container's working dir). */
export const SERVICE_ACCOUNT_PATH = 'var/run/secrets/kubernetes.io/serviceaccount'
export const TOKEN_FILE = 'token'
export const CA_FILE = 'ca.crt'
export const NAMESPACE_FILE = 'namespace'
/** The absolute path of that directory, for containers whose working dir is elsewhere. */
export const SERVICE_ACCOUNT_DIR_ENV = 'ACTORKUBE_SERVICEACCOUNT_DIR'
/** What the kubelet asks for (a projected token's default expirationSeconds, 3607). */
export const POD_TOKEN_SECONDS = 3607
const MAX_TOKEN_AGE_MS = 24 * 60 * 60 * 1000

type Obj = Record<string, unknown>

/** Whether the pod gets a token: unless it says `automountServiceAccountToken: false` (admission copied its account's). */
export function automountsToken(pod: Pod): boolean {
  return (pod.spec as unknown as Obj).automountServiceAccountToken !== false
}

export function podServiceAccount(pod: Pod): string {
  const name = (pod.spec as unknown as Obj).serviceAccountName
  return typeof name === 'string' && name !== '' ? name : 'default'
}

/** The TokenRequest for the pod's token, bound to the pod; a projected serviceAccountToken source names its audience and expiry. */
export function podTokenRequest(pod: Pod, projection: { readonly audience?: string; readonly expirationSeconds?: number } = {}): { path: string; body: Obj } {
  const namespace = pod.metadata.namespace ?? 'default'
  return {
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${podServiceAccount(pod)}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        ...(projection.audience ? { audiences: [projection.audience] } : {}),
        expirationSeconds: projection.expirationSeconds ?? POD_TOKEN_SECONDS,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
      },
    },
  }
}

/** ms after `issuedAt` to renew a token expiring at `expiresAt` (token_manager.go requiresRefresh). */
export function renewAfterMs(issuedAt: number, expiresAt: number): number {
  const life = Math.max(0, expiresAt - issuedAt)
  return Math.min(Math.floor(life * 0.8), MAX_TOKEN_AGE_MS)
}

/** A container's environment for reaching the API: Kubernetes' KUBERNETES_SERVICE_* and the files' directory. */
export function serviceAccountEnv(dir: string, api: { readonly host: string; readonly port: number } | undefined): Record<string, string> {
  const env: Record<string, string> = { [SERVICE_ACCOUNT_DIR_ENV]: dir }
  if (api !== undefined) {
    env.KUBERNETES_SERVICE_HOST = api.host
    env.KUBERNETES_SERVICE_PORT = String(api.port)
    env.KUBERNETES_SERVICE_PORT_HTTPS = String(api.port)
  }
  return env
}

/** The apiserver address a pod should use: the first of the `kubernetes` Endpoints' (up keeps them to the ready apiservers). */
export function apiAddressOf(endpoints: unknown): { host: string; port: number } | undefined {
  const subsets = (endpoints as { subsets?: { addresses?: { ip?: string }[]; ports?: { port?: number; name?: string }[] }[] } | undefined)?.subsets ?? []
  for (const subset of subsets) {
    const ip = subset.addresses?.[0]?.ip
    const port = (subset.ports ?? []).find((p) => p.name === 'https' || p.name === undefined)?.port ?? subset.ports?.[0]?.port
    if (ip && port) return { host: ip, port }
  }
  return undefined
}
