/**
 * Builds meta.k8s.io/v1 Tables: `kubectl get` asks for
 * `application/json;as=Table;v=v1;g=meta.k8s.io` and prints these columns and cells.
 */
import { printerFor } from './printers.ts'
import type { KubeObject, PartialObjectMetadata, Table, TableRow } from './types.ts'

export interface TableOptions {
  /** Epoch milliseconds: AGE and LAST SEEN are relative to it. */
  readonly now: number
  /** The list's resourceVersion (or the single object's). */
  readonly resourceVersion: string
  readonly continue?: string
}

export const partialObjectMetadata = (o: KubeObject): PartialObjectMetadata => ({
  kind: 'PartialObjectMetadata',
  apiVersion: 'meta.k8s.io/v1',
  metadata: o.metadata ?? {},
})

/** One row of an object (used for watch events as well, as one-row Tables). */
export const tableRow = (group: string, resource: string, o: KubeObject, now: number): TableRow => {
  const { cells, conditions } = printerFor(group, resource).row(o, now)
  return { cells, ...(conditions ? { conditions } : {}), object: partialObjectMetadata(o) }
}

/** The Table for objects of `<group>/<resource>` (group '' for core), in the given order. */
export const buildTable = (group: string, resource: string, objects: readonly KubeObject[], options: TableOptions): Table => ({
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: { resourceVersion: options.resourceVersion, ...(options.continue ? { continue: options.continue } : {}) },
  columnDefinitions: printerFor(group, resource).columns,
  rows: objects.map((o) => tableRow(group, resource, o, options.now)),
})

/** Whether an Accept header asks for a meta.k8s.io/v1 Table (kubectl get does). */
export const wantsTable = (accept: string | undefined): boolean =>
  (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((s) => s.trim())
    return params.includes('as=Table') && params.includes('g=meta.k8s.io') && params.includes('v=v1')
  })
