/**
 * The scale subresource of Deployments and ReplicaSets, as an autoscaling/v1 Scale: what
 * `kubectl scale` reads and patches (spec.replicas), with the object's selector as a string.
 */
import { labelSelectorFromObject, type LabelSelectorObject } from './meta/label-selector.ts'
import type { KubeObject } from './ports.ts'

export interface Scale {
  readonly kind: 'Scale'
  readonly apiVersion: 'autoscaling/v1'
  readonly metadata: Record<string, unknown>
  readonly spec: { readonly replicas: number }
  readonly status: { readonly replicas: number; readonly selector: string }
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {})

export function toScale(object: KubeObject): Scale {
  const spec = obj(object.spec)
  const status = obj(object.status)
  const selector = labelSelectorFromObject(spec.selector as LabelSelectorObject | undefined)
  const m = object.metadata ?? {}
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: selector.ok ? selector.selector.toString() : '' },
  }
}

/** The object with the replicas a (possibly patched) Scale asks for; undefined if it names none. */
export function withScale(object: KubeObject, scale: unknown): KubeObject | undefined {
  const replicas = obj(obj(scale).spec).replicas
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) return undefined
  return { ...object, spec: { ...obj(object.spec), replicas } }
}
