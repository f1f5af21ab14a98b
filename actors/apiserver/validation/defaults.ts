/**
 * Defaulting, as Kubernetes' defaulters do for the fields the rest of the cluster (and kubectl's
 * printers) rely on: a Pod gets restartPolicy Always, a Deployment one replica and a RollingUpdate
 * strategy. Kubernetes defaults every object it decodes, so this runs on updates and patches too
 * (a Deployment's new template must equal the one its ReplicaSet stores, defaults included).
 * Create strategies also set the initial status: a new Namespace is Active, a new Pod Pending.
 */
import type { KubeObject } from '../ports.ts'
import { defaultDaemonSet, defaultStatefulSet } from './apps-kinds.ts'
import { CORE_KIND_DEFAULTERS } from './core-kinds.ts'
import { NETWORKING_KIND_DEFAULTERS } from './networking-kinds.ts'
import { STORAGE_KIND_DEFAULTERS } from './storage-kinds.ts'
import { RBAC_DEFAULTERS } from './rbac.ts'
import { defaultCronJob, defaultJob } from './batch-kinds.ts'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const withDefaults = (value: unknown, defaults: Obj): Obj => ({ ...defaults, ...(isObj(value) ? value : {}) })

function container(c: unknown): unknown {
  if (!isObj(c)) return c
  const image = typeof c.image === 'string' ? c.image : ''
  const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1]
  const pullPolicy = tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent'
  const ports = Array.isArray(c.ports) ? c.ports.map((p) => withDefaults(p, { protocol: 'TCP' })) : c.ports
  return { terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: pullPolicy, ...c, ...(ports !== undefined ? { ports } : {}) }
}

function podSpec(spec: unknown): Obj {
  const s = withDefaults(spec, { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {} })
  if (Array.isArray(s.containers)) s.containers = s.containers.map(container)
  if (Array.isArray(s.initContainers)) s.initContainers = s.initContainers.map(container)
  return s
}

function template(spec: Obj): Obj {
  return isObj(spec.template) ? { ...spec, template: { ...spec.template, spec: podSpec(spec.template.spec) } } : spec
}

const DEFAULTERS: Readonly<Record<string, (o: KubeObject) => KubeObject>> = {
  ...RBAC_DEFAULTERS,
  Namespace: (o) => ({ ...o, spec: withDefaults(o.spec, { finalizers: ['kubernetes'] }) }),
  Pod: (o) => ({ ...o, spec: podSpec(o.spec) }),
  Deployment: (o) => ({
    ...o,
    spec: template(
      withDefaults(o.spec, {
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      }),
    ),
  }),
  ReplicaSet: (o) => ({ ...o, spec: template(withDefaults(o.spec, { replicas: 1 })) }),
  DaemonSet: (o) => defaultDaemonSet(o, template),
  StatefulSet: (o) => defaultStatefulSet(o, template),
  ...CORE_KIND_DEFAULTERS,
  ...STORAGE_KIND_DEFAULTERS,
  ...NETWORKING_KIND_DEFAULTERS,
  PriorityClass: (o) => ({ preemptionPolicy: 'PreemptLowerPriority', ...o }),
  Job: (o) => defaultJob(o, podSpec),
  CronJob: (o) => defaultCronJob(o, podSpec),
  Service: (o) => {
    const spec = withDefaults(o.spec, { type: 'ClusterIP', sessionAffinity: 'None' })
    if (Array.isArray(spec.ports)) spec.ports = spec.ports.map((p) => (isObj(p) ? { protocol: 'TCP', ...(p.port !== undefined ? { targetPort: p.port } : {}), ...p } : p))
    if (spec.sessionAffinity === 'ClientIP') spec.sessionAffinityConfig = { clientIP: withDefaults(isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig.clientIP : undefined, { timeoutSeconds: 10800 }) }
    return { ...o, spec }
  },
}

const INITIAL_STATUS: Readonly<Record<string, unknown>> = {
  Namespace: { phase: 'Active' },
  Pod: { phase: 'Pending', qosClass: 'BestEffort' },
}

/** Defaults for an object on any write. */
export function applyDefaults(kind: string, object: KubeObject): KubeObject {
  return DEFAULTERS[kind]?.(object) ?? object
}

/** Defaults plus the initial status of a new object. */
export function applyCreateDefaults(kind: string, object: KubeObject): KubeObject {
  const defaulted = applyDefaults(kind, object)
  const status = INITIAL_STATUS[kind]
  return status === undefined ? defaulted : { ...defaulted, status }
}
