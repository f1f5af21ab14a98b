/**
 * Reading a host's Prometheus `/metrics` page: fetch it and look series up by name and labels.
 */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

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

/** Parses the Prometheus text exposition format (enough of it for prom-client's output). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    for (const pair of (match[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  return samples
}
