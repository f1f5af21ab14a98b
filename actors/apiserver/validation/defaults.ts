/**
 * Defaulting on create, as Kubernetes' defaulters and create strategies do for the fields the
 * rest of the cluster (and kubectl's printers) rely on: a new Namespace is Active, a new Pod is
 * Pending with restartPolicy Always, a Deployment gets one replica and a RollingUpdate strategy.
 */
import type { KubeObject } from '../ports.ts'

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
  Namespace: (o) => ({ ...o, spec: withDefaults(o.spec, { finalizers: ['kubernetes'] }), status: { phase: 'Active' } }),
  Pod: (o) => ({ ...o, spec: podSpec(o.spec), status: { phase: 'Pending', qosClass: 'BestEffort' } }),
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
  Service: (o) => {
    const spec = withDefaults(o.spec, { type: 'ClusterIP', sessionAffinity: 'None' })
    if (Array.isArray(spec.ports)) spec.ports = spec.ports.map((p) => (isObj(p) ? { protocol: 'TCP', ...(p.port !== undefined ? { targetPort: p.port } : {}), ...p } : p))
    return { ...o, spec }
  },
}

export function applyCreateDefaults(kind: string, object: KubeObject): KubeObject {
  return DEFAULTERS[kind]?.(object) ?? object
}
