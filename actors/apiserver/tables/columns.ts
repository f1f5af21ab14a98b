/**
 * The pieces every Table printer is made of (k8s.io/kubernetes/pkg/printers/internalversion):
 * column definitions, the Name and Age columns, tolerant readers of partial objects, and
 * Kubernetes' formatting of labels, selectors and container cells. Printers of every group
 * (printers.ts, batch-printers.ts, ...) build on these.
 */
import { since } from './duration.ts'
import type { ContainerShape, KubeObject, LabelSelector, TableColumnDefinition } from './types.ts'

export type ColumnType = TableColumnDefinition['type']
export const col = (name: string, type: ColumnType, description: string, priority = 0, format = ''): TableColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
})
export const NAME_COL = col('Name', 'string', 'Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 0, 'name')
export const AGE_COL = col(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
)
export const CONTAINERS_COL = col('Containers', 'string', 'Names of each container in the template.', 1)
export const IMAGES_COL = col('Images', 'string', 'Images referenced by each container in the template.', 1)

// Narrow, optional views of the fields the printers read.
export const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
export const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : [])
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

export const nameOf = (o: KubeObject): string => str(o.metadata?.name)
export const ageOf = (o: KubeObject, now: number): string => since(o.metadata?.creationTimestamp, now)

/** labels.FormatLabels: sorted `k=v` joined by commas, `<none>` when empty. */
export const formatLabels = (labels: Readonly<Record<string, string>> | undefined): string => {
  const keys = Object.keys(labels ?? {}).sort()
  if (keys.length === 0) return '<none>'
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',')
}

/** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, '' for none. */
export const formatLabelSelector = (selector: LabelSelector | undefined): string => {
  if (!selector) return ''
  const reqs: { key: string; text: string }[] = []
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` })
  for (const e of selector.matchExpressions ?? []) {
    const key = e.key ?? ''
    const values = [...(e.values ?? [])].sort().join(',')
    switch (e.operator) {
      case 'In':
        reqs.push({ key, text: `${key} in (${values})` })
        break
      case 'NotIn':
        reqs.push({ key, text: `${key} notin (${values})` })
        break
      case 'Exists':
        reqs.push({ key, text: key })
        break
      case 'DoesNotExist':
        reqs.push({ key, text: `!${key}` })
        break
      default:
        return '<invalid>'
    }
  }
  // Go's sort.Sort is not stable, but requirements with equal keys are rare; keep insertion order.
  return reqs
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map((r) => r.text)
    .join(',')
}

/** layoutContainerCells: container names and images, comma-joined. */
export const containerCells = (containers: readonly ContainerShape[]): [string, string] => [
  containers.map((c) => c.name ?? '').join(','),
  containers.map((c) => c.image ?? '').join(','),
]
