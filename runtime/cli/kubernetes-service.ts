/**
 * The `kubernetes` Service in `default` and its Endpoints, which list the ready apiservers, as
 * kube-apiserver's endpoint reconciler keeps them. `up` writes them whenever the front door's set
 * of ready apiservers changes, so an apiserver that died leaves the Endpoints at its next check.
 *
 * The Service has no selector (the endpoints controller leaves such Services alone), the first
 * address of the Service range (10.96.0.1, reserved for it) and port 443 -> the named port
 * `https`. The apiservers share 127.0.0.1 and differ by port, so each is one subset of its own.
 */
import { KUBERNETES_SERVICE_IP } from '../../actors/apiserver/services/ranges.ts'
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import { ApiError, type ApiClient } from '../apiserver/api-client.ts'
import type { Backend } from './front-door.ts'

const SERVICE_PATH = '/api/v1/namespaces/default/services'
const ENDPOINTS_PATH = '/api/v1/namespaces/default/endpoints'
const NAME = 'kubernetes'
const LABELS = { component: 'apiserver', provider: 'kubernetes' }

export const kubernetesService = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: NAME, namespace: 'default', labels: LABELS },
  spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 'https' }] },
})

export const kubernetesEndpoints = (apiservers: readonly Backend[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: NAME, namespace: 'default', labels: LABELS },
  subsets: [...apiservers]
    .sort((a, b) => a.port - b.port)
    .map((a) => ({ addresses: [{ ip: '127.0.0.1', hostname: a.name }], ports: [{ name: 'https', port: a.port, protocol: 'TCP' }] })),
})

/** Creates the Service if it is missing and sets its Endpoints to `apiservers`. */
export async function publishApiservers(api: ApiClient, apiservers: readonly Backend[]): Promise<void> {
  // Read first: a second create of the Service is refused for its IP (422) before its name (409).
  if ((await getIfPresent(api, `${SERVICE_PATH}/${NAME}`)) === undefined) await api.create(SERVICE_PATH, kubernetesService())
  const wanted = kubernetesEndpoints(apiservers)
  const current = await getIfPresent(api, `${ENDPOINTS_PATH}/${NAME}`)
  if (current === undefined) await api.create(ENDPOINTS_PATH, wanted)
  else await api.update(`${ENDPOINTS_PATH}/${NAME}`, { ...wanted, metadata: { ...current.metadata, labels: LABELS } })
}

async function getIfPresent(api: ApiClient, path: string): Promise<KubeObject | undefined> {
  try {
    return await api.get(path)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined
    throw error
  }
}

/**
 * Writes the latest set it was given, one write at a time; a failed write (no store leader during
 * a fault) is tried again after `retryMs`, with whatever set is the latest by then.
 */
export class ApiserverEndpointsPublisher {
  readonly #api: ApiClient
  readonly #retryMs: number
  readonly #onError: (error: unknown) => void
  #wanted: readonly Backend[] | undefined
  #running = false
  #closed = false

  constructor(api: ApiClient, options: { retryMs: number; onError: (error: unknown) => void }) {
    this.#api = api
    this.#retryMs = options.retryMs
    this.#onError = options.onError
  }

  update(apiservers: readonly Backend[]): void {
    // No ready apiserver could write them anyway; the Endpoints keep the last set until one is back.
    if (apiservers.length === 0) return
    this.#wanted = apiservers
    if (!this.#running) void this.#run()
  }

  close(): void {
    this.#closed = true
  }

  async #run(): Promise<void> {
    this.#running = true
    while (this.#wanted && !this.#closed) {
      const apiservers = this.#wanted
      this.#wanted = undefined
      try {
        await publishApiservers(this.#api, apiservers)
      } catch (error) {
        this.#onError(error)
        this.#wanted ??= apiservers
        await new Promise((r) => setTimeout(r, this.#retryMs))
      }
    }
    this.#running = false
  }
}
