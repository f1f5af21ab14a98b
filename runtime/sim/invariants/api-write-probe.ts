/**
 * The API write probe: creates ConfigMaps (objects no controller touches) in `default` and deletes
 * a few of them again, recording every call's outcome on the injected clock. Invariant 3 then asks
 * whether each acknowledged create that was never deleted still exists, with the same uid.
 */
import type { KubeObject } from '../../../actors/apiserver/ports.ts'
import { ApiError, type ApiClient } from '../../apiserver/api-client.ts'
import { seededRandom, type Random } from '../../random.ts'
import { pause, type ProbeDeps } from './types.ts'

export const API_PROBE_NAMESPACE = 'default'
export const API_PROBE_PATH = `/api/v1/namespaces/${API_PROBE_NAMESPACE}/configmaps`

export interface ApiWrite {
  readonly op: 'create' | 'delete'
  readonly name: string
  readonly call: number
  /** Virtual ms of the answer; absent when none came (the write may or may not have happened). */
  readonly return?: number
  /** The answer's HTTP status (201 / 200 acknowledged), absent when none came. */
  readonly status?: number
  /** The created object's uid, when the create was acknowledged. */
  readonly uid?: string
}

export interface ApiWriteProbeOptions {
  readonly maxWrites?: number
  /** The longest pause (virtual ms) between writes: the default spreads them over about half a minute. */
  readonly maxGapMs?: number
}

export class ApiWriteProbe {
  readonly #api: ApiClient
  readonly #deps: ProbeDeps
  readonly #writes: ApiWrite[] = []
  readonly #options: Required<ApiWriteProbeOptions>
  #running = false
  #loop: Promise<void> | undefined

  constructor(api: ApiClient, deps: ProbeDeps, options: ApiWriteProbeOptions = {}) {
    this.#api = api
    this.#deps = deps
    this.#options = { maxWrites: 80, maxGapMs: 800, ...options }
  }

  start(): void {
    this.#running = true
    this.#loop = this.#run(seededRandom(Math.floor(this.#deps.random() * 2 ** 31)))
  }

  async stop(): Promise<void> {
    this.#running = false
    await this.#loop
  }

  get writes(): readonly ApiWrite[] {
    return this.#writes
  }

  async #run(random: Random): Promise<void> {
    const created: string[] = []
    for (let n = 0; this.#running && this.#writes.length < this.#options.maxWrites; n++) {
      if (created.length > 0 && random() < 0.25) await this.#delete(created.splice(Math.floor(random() * created.length), 1)[0]!)
      else {
        const name = `sim-probe-${n.toString(36)}`
        created.push(name)
        await this.#create(name)
      }
      await pause(this.#deps.clock, Math.floor(random() * this.#options.maxGapMs))
    }
  }

  async #create(name: string): Promise<void> {
    const body: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: API_PROBE_NAMESPACE }, data: { probe: name } }
    await this.#record('create', name, async () => {
      const object = await this.#api.create(API_PROBE_PATH, body)
      return { status: 201, uid: object.metadata?.uid }
    })
  }

  async #delete(name: string): Promise<void> {
    await this.#record('delete', name, async () => {
      await this.#api.delete(`${API_PROBE_PATH}/${name}`)
      return { status: 200, uid: undefined }
    })
  }

  async #record(op: ApiWrite['op'], name: string, run: () => Promise<{ status: number; uid: string | undefined }>): Promise<void> {
    const call = this.#deps.clock.now()
    try {
      const { status, uid } = await run()
      this.#writes.push({ op, name, call, return: this.#deps.clock.now(), status, ...(uid !== undefined ? { uid } : {}) })
    } catch (error) {
      // A Status answer is an answer (the write was refused); anything else leaves the outcome open.
      const answered = error instanceof ApiError ? { return: this.#deps.clock.now(), status: error.status } : {}
      this.#writes.push({ op, name, call, ...answered })
    }
  }
}
