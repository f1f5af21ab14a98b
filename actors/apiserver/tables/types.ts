/**
 * meta.k8s.io/v1 Table shapes (what the server answers to
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), and the loose object shapes the
 * printers read. Every field of an object is optional: printers must cope with partial data.
 */

export interface TableColumnDefinition {
  readonly name: string
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  readonly format: string
  readonly description: string
  /** 0 = always shown; > 0 = only with `-o wide`. */
  readonly priority: number
}

export interface TableRowCondition {
  readonly type: 'Completed'
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason?: string
  readonly message?: string
}

export interface PartialObjectMetadata {
  readonly kind: 'PartialObjectMetadata'
  readonly apiVersion: 'meta.k8s.io/v1'
  readonly metadata: ObjectMeta
}

export interface TableRow {
  readonly cells: readonly (string | number | boolean)[]
  readonly conditions?: readonly TableRowCondition[]
  readonly object: PartialObjectMetadata
}

export interface Table {
  readonly kind: 'Table'
  readonly apiVersion: 'meta.k8s.io/v1'
  readonly metadata: { readonly resourceVersion: string; readonly continue?: string }
  readonly columnDefinitions: readonly TableColumnDefinition[]
  readonly rows: readonly TableRow[]
}

export interface ObjectMeta {
  readonly name?: string
  readonly namespace?: string
  readonly uid?: string
  readonly resourceVersion?: string
  readonly generation?: number
  readonly creationTimestamp?: string | null
  readonly deletionTimestamp?: string | null
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly [key: string]: unknown
}

/** Any Kubernetes object; printers read the fields they know through narrow interfaces below. */
export interface KubeObject {
  readonly apiVersion?: string
  readonly kind?: string
  readonly metadata?: ObjectMeta
  readonly [key: string]: unknown
}

export interface ContainerStateShape {
  readonly waiting?: { readonly reason?: string; readonly message?: string }
  readonly running?: { readonly startedAt?: string }
  readonly terminated?: { readonly exitCode?: number; readonly signal?: number; readonly reason?: string; readonly finishedAt?: string }
}

export interface ContainerStatusShape {
  readonly name?: string
  readonly ready?: boolean
  readonly started?: boolean
  readonly restartCount?: number
  readonly state?: ContainerStateShape
  readonly lastState?: ContainerStateShape
}

export interface ContainerShape {
  readonly name?: string
  readonly image?: string
  readonly restartPolicy?: string
}

export interface Condition {
  readonly type?: string
  readonly status?: string
  readonly reason?: string
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>
  readonly matchExpressions?: readonly { readonly key?: string; readonly operator?: string; readonly values?: readonly string[] }[]
}
