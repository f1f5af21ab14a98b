/**
 * The kubeconfig handed to kubectl. Contract: `actorkube up` writes `<state-dir>/kubeconfig`
 * (mode 0600: it holds the admin token) so that
 * `KUBECONFIG=.actorkube/kubeconfig kubectl get nodes` works: one cluster (server URL and the
 * CA as `certificate-authority-data`), one user (bearer `token`), one context, current-context;
 * the other apiservers as further clusters and contexts.
 * kubectl sends the token only over TLS, hence the CA.
 */
import { Buffer } from 'node:buffer'
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parse, stringify } from 'yaml'

export interface KubeconfigOptions {
  /** `https://127.0.0.1:6443`. */
  readonly server: string
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: string
  readonly token: string
  /** Names in the file; default `actorkube` for cluster and context, `admin` for the user. */
  readonly clusterName?: string
  readonly userName?: string
  readonly contextName?: string
  /** Default namespace of the context (omitted when not given: kubectl then uses "default"). */
  readonly namespace?: string
  /**
   * The other apiservers of the cluster, each as a cluster and context of its own
   * (`kubectl --context <name>`), for when the current one is down.
   */
  readonly alternates?: readonly { readonly name: string; readonly server: string }[]
}

/** The kubeconfig as kubectl's clientcmd v1 Config. */
export interface Kubeconfig {
  readonly apiVersion: 'v1'
  readonly kind: 'Config'
  readonly preferences: Record<string, never>
  readonly clusters: readonly { name: string; cluster: { server: string; 'certificate-authority-data': string } }[]
  readonly users: readonly { name: string; user: { token: string } }[]
  readonly contexts: readonly { name: string; context: { cluster: string; user: string; namespace?: string } }[]
  readonly 'current-context': string
}

export function buildKubeconfig(options: KubeconfigOptions): Kubeconfig {
  if (!/^https:\/\//.test(options.server)) throw new Error(`kubeconfig: server must be an https:// URL (kubectl sends tokens only over TLS): ${options.server}`)
  if (!options.caPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('kubeconfig: caPem is not a PEM certificate')
  if (options.token === '') throw new Error('kubeconfig: token is empty')
  const cluster = options.clusterName ?? 'actorkube'
  const user = options.userName ?? 'admin'
  const context = options.contextName ?? 'actorkube'
  const ca = Buffer.from(options.caPem, 'utf8').toString('base64')
  const namespace = options.namespace ? { namespace: options.namespace } : {}
  const alternates = options.alternates ?? []
  for (const a of alternates) if (!/^https:\/\//.test(a.server)) throw new Error(`kubeconfig: server must be an https:// URL: ${a.server}`)
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: cluster, cluster: { server: options.server, 'certificate-authority-data': ca } }, ...alternates.map((a) => ({ name: a.name, cluster: { server: a.server, 'certificate-authority-data': ca } }))],
    users: [{ name: user, user: { token: options.token } }],
    contexts: [{ name: context, context: { cluster, user, ...namespace } }, ...alternates.map((a) => ({ name: a.name, context: { cluster: a.name, user, ...namespace } }))],
    'current-context': context,
  }
}

/** The kubeconfig as YAML text. */
export const renderKubeconfig = (options: KubeconfigOptions): string => stringify(buildKubeconfig(options), { lineWidth: 0 })

/** Parses a kubeconfig written by {@link writeKubeconfig} (or any single-context one) back. */
export function readKubeconfigText(text: string): { server: string; caPem: string; token: string; context: string } {
  const doc = parse(text) as Partial<Kubeconfig> | null
  const contextName = doc?.['current-context']
  const ctx = doc?.contexts?.find((c) => c.name === contextName)?.context
  const cluster = doc?.clusters?.find((c) => c.name === ctx?.cluster)?.cluster
  const user = doc?.users?.find((u) => u.name === ctx?.user)?.user
  if (contextName === undefined || ctx === undefined || cluster === undefined || user === undefined) {
    throw new Error('kubeconfig: no current context with a cluster and a user')
  }
  return {
    server: cluster.server,
    caPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
    token: user.token,
    context: contextName,
  }
}

/** Writes the kubeconfig atomically with mode 0600 (parent directory created 0700). */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  const text = renderKubeconfig(options)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}
