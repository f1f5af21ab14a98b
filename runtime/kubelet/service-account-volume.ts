/**
 * The kubelet's service account volume for process pods (Kubernetes' projected
 * `kube-api-access-*` volume): before a pod's containers start, a token bound to the pod
 * (TokenRequest over the cluster's NATS), the cluster CA (ConfigMap kube-system/kube-root-ca.crt)
 * and the namespace are written to `<pod dir>/var/run/secrets/kubernetes.io/serviceaccount/`,
 * and the containers get KUBERNETES_SERVICE_HOST/PORT (the `kubernetes` Endpoints' first
 * apiserver) and ACTORKUBE_SERVICEACCOUNT_DIR. The token is renewed at 80% of its life while the
 * pod runs. Decisions are in actors/pod/service-account-token.ts.
 *
 * A cluster whose apiservers have no signing key does not serve TokenRequests (404), nor has a
 * pod's `default` account before the controller manager made it: the pod then starts without a
 * token, as it would be useless to hold it back. Any other failure fails the sandbox, which the
 * pod actor retries with backoff (Kubernetes' FailedMount).
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Pod } from '../../actors/kube/objects.ts'
import {
  apiAddressOf,
  automountsToken,
  CA_FILE,
  NAMESPACE_FILE,
  podTokenRequest,
  renewAfterMs,
  SERVICE_ACCOUNT_PATH,
  serviceAccountEnv,
  TOKEN_FILE,
} from '../../actors/pod/service-account-token.ts'
import { ApiClient } from '../apiserver/api-client.ts'
import type { Clock, TimerHandle } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { Sandbox } from '../cri/container-runtime.ts'
import type { EngineDeps } from '../engine.ts'
import { randomClientId } from '../random.ts'

/** What pod-runtime.ts asks of a pod's volumes: set up before its containers, torn down with its sandbox. */
export interface PodVolumes {
  /** The environment the pod's containers get from its volumes. Rejects when they cannot be set up. */
  mount(pod: Pod, sandbox: Sandbox): Promise<Record<string, string>>
  unmount(podUid: string): void
}

interface TokenAnswer {
  readonly status?: { readonly token?: string; readonly expirationTimestamp?: string }
}

const CA_CONFIGMAP = '/api/v1/namespaces/kube-system/configmaps/kube-root-ca.crt'
const KUBERNETES_ENDPOINTS = '/api/v1/namespaces/default/endpoints/kubernetes'
/** A renewal that fails is tried again this much later. */
const RETRY_RENEWAL_MS = 10_000

/** A kubelet host's volumes, with an API client of their own; `close` stops renewals and the client. */
export function serviceAccountVolumes(apiservers: readonly string[], deps: EngineDeps): { volumes: ServiceAccountVolumes; close(): Promise<void> } {
  const api = new ApiClient({ transport: deps.transport, cluster: deps.cluster, apiservers, clock: deps.clock, clientId: randomClientId('sa', deps.random) })
  const volumes = new ServiceAccountVolumes({ api, clock: deps.clock, log: deps.log })
  return {
    volumes,
    async close() {
      volumes.close()
      await api.close()
    },
  }
}

export class ServiceAccountVolumes implements PodVolumes {
  readonly #api: ApiClient
  readonly #clock: Clock
  readonly #log: Logger
  readonly #renewals = new Map<string, TimerHandle>()
  #ca: string | undefined

  constructor(deps: { readonly api: ApiClient; readonly clock: Clock; readonly log: Logger }) {
    this.#api = deps.api
    this.#clock = deps.clock
    this.#log = deps.log
  }

  async mount(pod: Pod, sandbox: Sandbox): Promise<Record<string, string>> {
    if (sandbox.dir === undefined || !automountsToken(pod)) return {}
    const dir = join(sandbox.dir, SERVICE_ACCOUNT_PATH)
    const token = await this.#issue(pod)
    if (token === undefined) return {}
    await mkdir(dir, { recursive: true, mode: 0o755 })
    await writeAtomically(join(dir, TOKEN_FILE), token.token, 0o600)
    await writeAtomically(join(dir, NAMESPACE_FILE), pod.metadata.namespace ?? 'default', 0o644)
    const ca = await this.#caPem()
    if (ca !== undefined) await writeAtomically(join(dir, CA_FILE), ca, 0o644)
    this.#scheduleRenewal(pod, dir, token.expiresAt)
    return serviceAccountEnv(dir, apiAddressOf(await this.#get(KUBERNETES_ENDPOINTS)))
  }

  unmount(podUid: string): void {
    const timer = this.#renewals.get(podUid)
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    this.#renewals.delete(podUid)
  }

  close(): void {
    for (const uid of [...this.#renewals.keys()]) this.unmount(uid)
  }

  /** A fresh token for the pod; undefined when none is to be had (no signing key, no default account yet). */
  #issue(pod: Pod): Promise<IssuedToken | undefined> {
    return issuePodToken(this.#api, this.#log, pod)
  }

  /** Renews the token while the pod is mounted: unmount() cancels the timer, and a renewal under way writes nothing. */
  #scheduleRenewal(pod: Pod, dir: string, expiresAt: number, delayMs = renewAfterMs(this.#clock.now(), expiresAt)): void {
    const uid = pod.metadata.uid ?? ''
    const previous = this.#renewals.get(uid)
    if (previous !== undefined) this.#clock.clearTimeout(previous)
    const timer = this.#clock.setTimeout(() => {
      this.#issue(pod)
        .then(async (token) => {
          if (token === undefined || this.#renewals.get(uid) !== timer) return
          await writeAtomically(join(dir, TOKEN_FILE), token.token, 0o600)
          this.#scheduleRenewal(pod, dir, token.expiresAt)
        })
        .catch((error: unknown) => {
          if (this.#renewals.get(uid) !== timer) return
          this.#log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: String(error) }, 'service account token renewal failed; retrying')
          this.#scheduleRenewal(pod, dir, expiresAt, RETRY_RENEWAL_MS)
        })
    }, delayMs)
    this.#renewals.set(uid, timer)
  }

  /** The cluster CA, read once: it outlives every pod (only the serving certificate is renewed). */
  async #caPem(): Promise<string | undefined> {
    if (this.#ca !== undefined) return this.#ca
    const data = (await this.#get(CA_CONFIGMAP) as { data?: Record<string, string> } | undefined)?.data
    this.#ca = data?.[CA_FILE]
    return this.#ca
  }

  async #get(path: string): Promise<unknown> {
    const answer = await this.#api.call('GET', path)
    return answer.status === 200 ? answer.body : undefined
  }
}

export interface IssuedToken {
  readonly token: string
  /** ms since the epoch. */
  readonly expiresAt: number
}

/**
 * A fresh token bound to the pod (TokenRequest over the cluster's NATS), for the service account
 * volume and projected serviceAccountToken sources; undefined when none is to be had (no signing
 * key, no default account yet). Any other failure throws the FailedMount message for `volume`.
 */
export async function issuePodToken(api: Pick<ApiClient, 'call'>, log: Logger, pod: Pod, projection: { readonly audience?: string; readonly expirationSeconds?: number } = {}, volume = 'kube-api-access'): Promise<IssuedToken | undefined> {
  const { path, body } = podTokenRequest(pod, projection)
  const answer = await api.call('POST', path, { body })
  if (answer.status === 404 && (/could not find the requested resource/.test(messageOf(answer.body)) || path.endsWith('/serviceaccounts/default/token'))) {
    log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, reason: messageOf(answer.body) }, 'pod starts without a service account token')
    return undefined
  }
  if (answer.status !== 201) throw new Error(`MountVolume.SetUp failed for volume "${volume}": ${messageOf(answer.body) || `HTTP ${answer.status}`}`)
  const status = (answer.body as TokenAnswer).status
  const expiresAt = Date.parse(status?.expirationTimestamp ?? '')
  if (typeof status?.token !== 'string' || Number.isNaN(expiresAt)) throw new Error(`MountVolume.SetUp failed for volume "${volume}": the TokenRequest answer has no token`)
  return { token: status.token, expiresAt }
}

const messageOf = (body: unknown): string => {
  const message = (body as { message?: unknown } | undefined)?.message
  return typeof message === 'string' ? message : ''
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp`
  await writeFile(tmp, text, { mode })
  await chmod(tmp, mode)
  await rename(tmp, path)
}
