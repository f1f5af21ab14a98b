/**
 * The chaos controller's metric probes: each run scrapes every running host's Prometheus
 * /metrics (the URLs `up` gives on its host control subject, hosts.status), adds a `host` label,
 * keeps the scrapes the expression's range functions look back over, and checks the expression
 * (actors/chaos/metric-expr.ts) against the probe's comparator. A host whose scrape fails is left
 * out of that run (a host being killed is what many experiments do); no host answering fails it.
 */
import type { ProbeSpec } from '../../actors/chaos/api.ts'
import { checkMetricQuery, lookbackMs, parseMetricQuery, type Sample, type Scrape } from '../../actors/chaos/metric-expr.ts'
import { parsePrometheusText } from '../../actors/chaos/metric-exposition.ts'
import { hostControlSubject } from '../cli/host-control.ts'
import type { Clock } from '../clock.ts'
import { decodeEvent, DecodeFailure, encodeEvent } from '../codec.ts'
import type { Requester } from '../transport/requester.ts'
import type { ProbeResult } from './chaos-probes.ts'

export interface MetricProbeDeps {
  readonly requester: Requester
  readonly cluster: string
  readonly clock: Clock
}

type Target = { readonly host: string; readonly url: string }

/** The scrapes of every running experiment's metric probes, by experiment uid and probe name. */
export class MetricProbes {
  readonly #deps: MetricProbeDeps
  readonly #scrapes = new Map<string, Scrape[]>()

  constructor(deps: MetricProbeDeps) {
    this.#deps = deps
  }

  async run(uid: string, spec: ProbeSpec, timeoutMs: number): Promise<ProbeResult> {
    if (spec.metric === undefined) return { ok: false, error: 'no metric settings' }
    const query = parseMetricQuery(spec.metric.expr)
    const samples = await this.#scrapeAll(timeoutMs)
    if (samples === undefined) return { ok: false, error: 'no host answered for its /metrics' }
    const key = `${uid}/${spec.name}`
    const now = this.#deps.clock.now()
    // Kept: the scrapes inside the longest window the expression looks back over.
    const kept = [...(this.#scrapes.get(key) ?? []), { at: now, samples }].filter((s) => s.at >= now - lookbackMs(query.expr))
    this.#scrapes.set(key, kept)
    return checkMetricQuery(query, spec.metric.comparator, kept)
  }

  forget(uid: string): void {
    for (const key of [...this.#scrapes.keys()]) if (key.startsWith(`${uid}/`)) this.#scrapes.delete(key)
  }

  async #scrapeAll(timeoutMs: number): Promise<Sample[] | undefined> {
    const targets = await this.#targets(timeoutMs)
    const pages = await Promise.all(targets.map((t) => scrape(t, timeoutMs).catch(() => undefined)))
    const answered = pages.filter((p): p is Sample[] => p !== undefined)
    return answered.length === 0 ? undefined : answered.flat()
  }

  async #targets(timeoutMs: number): Promise<readonly Target[]> {
    const reply = await this.#deps.requester.request(hostControlSubject(this.#deps.cluster), encodeEvent({ type: 'hosts.status' }), { timeoutMs })
    const answer = decodeEvent(reply.data)
    if (answer instanceof DecodeFailure || !Array.isArray(answer.metrics)) throw new Error('up did not say where the hosts serve /metrics')
    return answer.metrics as Target[]
  }
}

async function scrape(target: Target, timeoutMs: number): Promise<Sample[]> {
  const response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) })
  if (!response.ok) throw new Error(`${target.url}: HTTP ${response.status}`)
  return parsePrometheusText(await response.text()).map((s) => (s.labels.host !== undefined ? s : { ...s, labels: { ...s.labels, host: target.host } }))
}
