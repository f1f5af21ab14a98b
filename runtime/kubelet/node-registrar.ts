/**
 * The API side of a kubelet's nodes: registering each Node (or taking over the one a previous run
 * left, putting it back to Ready), renewing its Lease in kube-node-lease with one PUT that
 * carries the last resourceVersion, and recreating the Node if someone deletes it.
 */
import type { KubeObject } from '../../actors/apiserver/ports.ts'
import type { Node } from '../../actors/kube/objects.ts'
import { nodeLease, readyAgainPatch, registrationNode, NODE_LEASE_NAMESPACE } from '../../actors/kubelet/node-object.ts'
import type { KubeletOptions } from '../../actors/kubelet/kubelet-options.ts'
import { ApiError, type ApiClient } from '../apiserver/api-client.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'

const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases`
const REGISTER_RETRY_MS = 1000
/**
 * Registrations out at once. A pool registers all its nodes when it starts: 5,000 creates at once
 * all outlived their 5 s timeout and retried together, so almost none ever got through.
 */
export const REGISTER_CONCURRENCY = 32

export class NodeRegistrar {
  readonly #api: ApiClient
  readonly #clock: Clock
  readonly #log: Logger
  readonly #options: KubeletOptions
  readonly #readOnlyPort: () => number | undefined
  /** Each lease's last resourceVersion; a renewal still out is skipped, not queued. */
  readonly #leases = new Map<string, string | undefined>()
  readonly #renewing = new Set<string>()
  readonly #patching = new Set<string>()
  readonly #inFlight = new Map<string, Promise<void>>()
  /** Registrations out now, and those waiting for one of the REGISTER_CONCURRENCY slots. */
  #registering = 0
  readonly #waiting: (() => void)[] = []
  #closed = false

  constructor(api: ApiClient, clock: Clock, log: Logger, options: KubeletOptions, readOnlyPort: () => number | undefined) {
    this.#api = api
    this.#clock = clock
    this.#log = log
    this.#options = options
    this.#readOnlyPort = readOnlyPort
  }

  /**
   * Resolves once the Node exists (created, or found and made Ready again); retries until then.
   * Asked again while one is out, it answers with that one.
   */
  register(name: string): Promise<void> {
    let registration = this.#inFlight.get(name)
    if (!registration) {
      registration = this.#register(name).finally(() => this.#inFlight.delete(name))
      this.#inFlight.set(name, registration)
    }
    return registration
  }

  async #register(name: string): Promise<void> {
    for (;;) {
      if (this.#closed) return
      await this.#acquire()
      try {
        if (this.#closed) return
        await this.#api.create('/api/v1/nodes', registrationNode({ name, options: this.#options, readOnlyPort: this.#readOnlyPort() }, this.#clock.now()) as unknown as KubeObject)
        this.#log.info({ node: name }, 'node registered')
        return
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) {
          // A node of this name exists (this kubelet ran before): it is ours again.
          const existing = (await this.#api.get(`/api/v1/nodes/${name}`).catch(() => undefined)) as Node | undefined
          if (existing) {
            await this.readyAgain(existing)
            this.#log.info({ node: name }, 'node registered (existing)')
            return
          }
        }
        this.#log.warn({ node: name, err: String(error) }, 'node registration failed; retrying')
      } finally {
        this.#release()
      }
      await new Promise<void>((r) => this.#clock.setTimeout(() => r(), REGISTER_RETRY_MS))
    }
  }

  /** A registration slot; a released slot passes straight to the next waiter. */
  async #acquire(): Promise<void> {
    if (this.#registering < REGISTER_CONCURRENCY) {
      this.#registering++
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  #release(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#registering--
  }

  /** A node of ours that the API shows not Ready (its heartbeats stopped a while): Ready again. */
  async readyAgain(node: Node): Promise<void> {
    const name = node.metadata.name ?? ''
    const patch = readyAgainPatch(node, this.#clock.now())
    if (patch === undefined || this.#patching.has(name)) return
    this.#patching.add(name)
    try {
      await this.#api.patch(`/api/v1/nodes/${name}/status`, patch, 'application/merge-patch+json')
      this.#log.info({ node: name }, 'node Ready again')
    } catch (error) {
      this.#log.warn({ node: name, err: String(error) }, 'could not mark the node Ready')
    } finally {
      this.#patching.delete(name)
    }
  }

  renewLease(name: string): void {
    if (this.#renewing.has(name) || this.#closed) return
    this.#renewing.add(name)
    void this.#renew(name).finally(() => this.#renewing.delete(name))
  }

  async #renew(name: string): Promise<void> {
    const resourceVersion = this.#leases.get(name)
    const lease = nodeLease(name, this.#options, this.#clock.now(), resourceVersion) as unknown as KubeObject
    try {
      const written = resourceVersion === undefined ? await this.#api.create(LEASES, lease) : await this.#api.update(`${LEASES}/${name}`, lease)
      this.#leases.set(name, written.metadata?.resourceVersion)
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 0
      if (status === 409 || status === 404) {
        // Someone else wrote it (a previous run of this kubelet), or it is gone: start from the API's.
        const current = await this.#api.get(`${LEASES}/${name}`).catch(() => undefined)
        this.#leases.set(name, current?.metadata?.resourceVersion)
      } else {
        this.#log.debug({ node: name, err: String(error) }, 'lease renewal failed')
      }
    }
  }

  close(): void {
    this.#closed = true
  }
}
