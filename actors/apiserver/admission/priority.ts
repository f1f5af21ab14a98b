/**
 * The Priority admission plugin (plugin/pkg/admission/priority) and PriorityClass's own checks:
 *
 * - a new Pod gets spec.priority (and spec.preemptionPolicy) from its priorityClassName, or from
 *   the globalDefault class (then its name too), or 0 with no default; an unknown class is 403
 *   Forbidden "no PriorityClass with name x was found", as is a spec.priority or preemptionPolicy
 *   that differs from what the class says;
 * - a new PriorityClass may not be a second globalDefault.
 *
 * The built-in classes system-cluster-critical and system-node-critical resolve without being
 * stored (Kubernetes creates them as objects at startup; here they do not show in a list).
 */
import { storeKey, storePrefix } from '../meta/keys.ts'
import type { ObjectsPort, KubeObject } from '../ports.ts'

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = { 'system-cluster-critical': 2_000_000_000, 'system-node-critical': 2_000_001_000 }
export const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' } as const

interface ClassView {
  readonly metadata?: { readonly name?: string }
  readonly value?: number
  readonly globalDefault?: boolean
  readonly preemptionPolicy?: string
}

type Admitted = { readonly ok: true; readonly object: KubeObject } | { readonly ok: false; readonly detail: string }

const DEFAULT_POLICY = 'PreemptLowerPriority'

/**
 * getDefaultPriorityClass: the globalDefault class; of several (a race), the lowest value.
 * `cached`: from the apiserver's cache, as Kubernetes' admission reads its PriorityClass lister.
 */
async function defaultClass(objects: ObjectsPort, cached = false): Promise<ClassView | undefined> {
  const { items } = await objects.list(storePrefix(PRIORITY_CLASSES), { anyVersion: cached })
  const defaults = (items as ClassView[]).filter((c) => c.globalDefault === true)
  return defaults.sort((a, b) => (a.value ?? 0) - (b.value ?? 0))[0]
}

async function classNamed(objects: ObjectsPort, name: string): Promise<ClassView | undefined> {
  const builtIn = SYSTEM_PRIORITY_CLASSES[name]
  if (builtIn !== undefined) return { metadata: { name }, value: builtIn, preemptionPolicy: DEFAULT_POLICY }
  // The cached copy (Kubernetes' lister), and a current read for a class the cache does not have (yet).
  const key = storeKey(PRIORITY_CLASSES, undefined, name)
  return ((await objects.get(key, { anyVersion: true })) ?? (await objects.get(key))) as ClassView | undefined
}

/** A new Pod with its priority resolved, or why it is forbidden. */
export async function admitPodPriority(pod: KubeObject, objects: ObjectsPort): Promise<Admitted> {
  const spec = (pod.spec ?? {}) as { priorityClassName?: string; priority?: number; preemptionPolicy?: string }
  let name = spec.priorityClassName ?? ''
  let priority = 0
  let policy = DEFAULT_POLICY
  const cls = name === '' ? await defaultClass(objects, true) : await classNamed(objects, name)
  if (name !== '' && cls === undefined) return { ok: false, detail: `no PriorityClass with name ${name} was found` }
  if (cls !== undefined) {
    name = cls.metadata?.name ?? name
    priority = cls.value ?? 0
    policy = cls.preemptionPolicy ?? DEFAULT_POLICY
  }
  if (spec.priority !== undefined && spec.priority !== priority) {
    return { ok: false, detail: `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name` }
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== policy) {
    return { ok: false, detail: `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name` }
  }
  return { ok: true, object: { ...pod, spec: { ...spec, ...(name !== '' ? { priorityClassName: name } : {}), priority, preemptionPolicy: policy } } }
}

/** A new PriorityClass: only one may be the global default. */
export async function admitPriorityClass(pc: KubeObject, objects: ObjectsPort): Promise<Admitted> {
  if ((pc as ClassView).globalDefault !== true) return { ok: true, object: pc }
  const existing = await defaultClass(objects)
  if (existing !== undefined) return { ok: false, detail: `PriorityClass ${existing.metadata?.name ?? ''} is already marked as default. Only one default can exist` }
  return { ok: true, object: pc }
}

/** The admission step of a create, by resource; other resources pass unchanged. */
export async function admitCreate(resource: string, object: KubeObject, objects: ObjectsPort): Promise<Admitted> {
  if (resource === 'pods') return admitPodPriority(object, objects)
  if (resource === 'priorityclasses') return admitPriorityClass(object, objects)
  return { ok: true, object }
}
