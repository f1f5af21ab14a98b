/**
 * The result of a plugin at one extension point (k8s.io/kubernetes/pkg/scheduler/framework
 * Status). Hot paths return `undefined` for success, as Go returns a nil *Status, so a node that
 * fits costs no allocation.
 */

/** Kubernetes' status codes; `Wait` (Permit) is not used by this scheduler. */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip'

export class Status {
  /** The plugin that returned this status; the framework fills it in. */
  plugin: string
  readonly code: Code
  readonly reasons: readonly string[]

  constructor(code: Code, reasons: readonly string[] = [], plugin = '') {
    this.code = code
    this.reasons = reasons
    this.plugin = plugin
  }

  isSuccess(): boolean {
    return this.code === 'Success'
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the pod does not fit, nothing went wrong. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable'
  }

  /** The reasons joined as Status.Message() joins them. */
  message(): string {
    return this.reasons.join(', ')
  }

  withPlugin(plugin: string): Status {
    this.plugin = plugin
    return this
  }
}

/** A nil status is success. */
export type Result = Status | undefined

export const isSuccess = (s: Result): boolean => s === undefined || s.code === 'Success'

export const unschedulable = (...reasons: string[]): Status => new Status('Unschedulable', reasons)
export const unresolvable = (...reasons: string[]): Status => new Status('UnschedulableAndUnresolvable', reasons)
export const errorStatus = (...reasons: string[]): Status => new Status('Error', reasons)
export const skip = (): Status => new Status('Skip')

/**
 * A rejection a filter returns for every node it rejects for a fixed reason: one Status for all of
 * them instead of one per node (the framework only ever sets its plugin, always to the same name).
 */
export const sharedRejection = (code: 'Unschedulable' | 'UnschedulableAndUnresolvable', reason: string): Status => new Status(code, Object.freeze([reason]))

/** framework.MaxNodeScore: every Score plugin's normalized scores lie in [0, 100]. */
export const MAX_NODE_SCORE = 100
