/**
 * Reading a host's Prometheus `/metrics` page: fetch it and look series up by name and labels
 * (the text parsed by actors/chaos/metric-exposition.ts, as the chaos metric probe does).
 */

import type { Sample } from '../../actors/chaos/metric-expr.ts'
import { parsePrometheusText } from '../../actors/chaos/metric-exposition.ts'

export type { Sample }

export class MetricsPage {
  readonly samples: readonly Sample[]
  readonly text: string

  constructor(text: string) {
    this.text = text
    this.samples = parsePrometheusText(text)
  }

  /** Sum of every series named `name` whose labels include `labels` (0 when there is none). */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.series(name, labels).reduce((sum, s) => sum + s.value, 0)
  }

  series(name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  }
}

export async function scrapeMetrics(port: number): Promise<MetricsPage> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`)
  if (!response.ok) throw new Error(`GET /metrics on port ${port}: HTTP ${response.status}`)
  return new MetricsPage(await response.text())
}

export { parsePrometheusText }
