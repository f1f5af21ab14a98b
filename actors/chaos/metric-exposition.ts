/**
 * The Prometheus text exposition format, parsed (enough of it for prom-client's output: comments
 * and HELP/TYPE lines skipped, `name{label="value",...} value [timestamp]`, escaped label
 * values). Pure: the metric probe fetches the hosts' /metrics and hands the text here; the tests
 * read hosts' metrics with it too (test/helpers/metrics.ts).
 */
import type { Sample } from './metric-expr.ts'

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
