/** LimitRanger: defaults of type Container, and min / max / maxLimitRequestRatio of Container, Pod and PersistentVolumeClaim items. */
import t from 'tap'
import { admitLimitRanges, applyLimitRangeDefaults, LIMIT_RANGER_ANNOTATION, podLimitViolations } from '../../../../actors/apiserver/admission/limit-ranger.ts'
import type { KubeObject } from '../../../../actors/apiserver/ports.ts'

type List = Record<string, string>
const range = (...limits: Record<string, unknown>[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'default' }, spec: { limits } })
const container = (name: string, requests?: List, limits?: List) => ({ name, image: 'nginx', ...(requests || limits ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } } : {}) })
const pod = (...containers: ReturnType<typeof container>[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default' }, spec: { containers } })
const resourcesOf = (p: KubeObject, i = 0) => (p.spec as { containers: { resources?: unknown }[] }).containers[i]!.resources

t.test('limit-ranger - Container defaults fill what a container does not state, and the annotation says what', async (t) => {
  const lr = range({ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } })
  const cases: { name: string; pod: KubeObject; resources: unknown; annotation: string | undefined }[] = [
    {
      name: 'nothing stated: everything defaulted',
      pod: pod(container('app')),
      resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      annotation: 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app',
    },
    {
      name: 'a stated request is kept, the rest defaulted',
      pod: pod(container('app', { cpu: '200m' })),
      resources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      annotation: 'LimitRanger plugin set: memory request for container app; cpu, memory limit for container app',
    },
    {
      name: 'everything stated: unchanged, no annotation',
      pod: pod(container('app', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })),
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      annotation: undefined,
    },
  ]
  for (const c of cases) {
    const out = applyLimitRangeDefaults(c.pod, [lr])
    t.same(resourcesOf(out), c.resources, c.name)
    t.equal(out.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION], c.annotation, `${c.name}: annotation`)
  }
  const init = applyLimitRangeDefaults({ ...pod(container('app')), spec: { containers: [container('app')], initContainers: [container('setup')] } }, [range({ type: 'Container', defaultRequest: { cpu: '100m' } })])
  t.equal(init.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION], 'LimitRanger plugin set: cpu request for container app; cpu request for init container setup')
  t.equal(applyLimitRangeDefaults(pod(container('app')), [range({ type: 'Pod', max: { cpu: '2' } })]).metadata?.annotations, undefined, 'Pod items have no defaults')
})

t.test('limit-ranger - bounds are refused with Kubernetes’ messages', async (t) => {
  const cases: { name: string; ranges: KubeObject[]; pod: KubeObject; want: string | undefined }[] = [
    { name: 'limit over max', ranges: [range({ type: 'Container', max: { cpu: '1' } })], pod: pod(container('app', { cpu: '1' }, { cpu: '2' })), want: 'maximum cpu usage per Container is 1, but limit is 2' },
    { name: 'no limit under a max', ranges: [range({ type: 'Container', max: { memory: '1Gi' } })], pod: pod(container('app', { memory: '1Gi' })), want: 'maximum memory usage per Container is 1Gi.  No limit is specified' },
    { name: 'request over max', ranges: [range({ type: 'Container', max: { cpu: '1' } })], pod: pod(container('app', { cpu: '1500m' }, { cpu: '1' })), want: 'maximum cpu usage per Container is 1, but request is 1500m' },
    { name: 'request under min', ranges: [range({ type: 'Container', min: { cpu: '100m' } })], pod: pod(container('app', { cpu: '50m' })), want: 'minimum cpu usage per Container is 100m, but request is 50m' },
    { name: 'no request above a min', ranges: [range({ type: 'Container', min: { cpu: '100m' } })], pod: pod(container('app')), want: 'minimum cpu usage per Container is 100m.  No request is specified' },
    { name: 'limit under min', ranges: [range({ type: 'Container', min: { cpu: '100m' } })], pod: pod(container('app', { cpu: '200m' }, { cpu: '0.05' })), want: 'minimum cpu usage per Container is 100m, but limit is 50m' },
    { name: 'ratio over', ranges: [range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } })], pod: pod(container('app', { cpu: '100m' }, { cpu: '500m' })), want: 'cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000' },
    { name: 'ratio without request', ranges: [range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } })], pod: pod(container('app', undefined, { cpu: '500m' })), want: 'cpu max limit to request ratio per Container is 2, but no request is specified or request is 0' },
    { name: 'ratio within', ranges: [range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } })], pod: pod(container('app', { cpu: '100m' }, { cpu: '200m' })), want: undefined },
    { name: 'within bounds', ranges: [range({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } })], pod: pod(container('app', { cpu: '100m' }, { cpu: '1' })), want: undefined },
    {
      name: 'Pod max over the containers’ sum',
      ranges: [range({ type: 'Pod', max: { cpu: '1' } })],
      pod: pod(container('a', { cpu: '400m' }, { cpu: '600m' }), container('b', { cpu: '400m' }, { cpu: '600m' })),
      want: 'maximum cpu usage per Pod is 1, but limit is 1200m',
    },
    {
      name: 'two broken bounds: one aggregate message',
      ranges: [range({ type: 'Container', max: { cpu: '1', memory: '1Gi' } })],
      pod: pod(container('app', undefined, { cpu: '2', memory: '2Gi' })),
      want: '[maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi]',
    },
  ]
  for (const c of cases) t.equal(podLimitViolations(c.pod, c.ranges), c.want, c.name)
})

t.test('limit-ranger - admission: defaults then bounds; claims by their storage request; other kinds pass', async (t) => {
  const lr = range({ type: 'Container', max: { cpu: '1' }, default: { cpu: '2' } })
  t.same(admitLimitRanges('pods', pod(container('app')), [lr]), { ok: false, detail: 'maximum cpu usage per Container is 1, but limit is 2' }, 'a default over the max is still refused')
  const ok = admitLimitRanges('pods', pod(container('app')), [range({ type: 'Container', max: { cpu: '1' }, default: { cpu: '1' }, defaultRequest: { cpu: '1' } })])
  t.same(ok.ok && resourcesOf(ok.object), { limits: { cpu: '1' }, requests: { cpu: '1' } })
  const claim = (storage?: string): KubeObject => ({ kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: storage ? { requests: { storage } } : {} } })
  const pvc = range({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } })
  t.same(admitLimitRanges('persistentvolumeclaims', claim('20Gi'), [pvc]), { ok: false, detail: 'maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi' })
  t.same(admitLimitRanges('persistentvolumeclaims', claim('500Mi'), [pvc]), { ok: false, detail: 'minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi' })
  t.equal(admitLimitRanges('persistentvolumeclaims', claim('5Gi'), [pvc]).ok, true)
  const cm: KubeObject = { kind: 'ConfigMap', metadata: { name: 'c' } }
  t.same(admitLimitRanges('configmaps', cm, [lr]), { ok: true, object: cm })
  t.same(admitLimitRanges('pods', pod(container('app')), []), { ok: true, object: pod(container('app')) }, 'no LimitRange: unchanged')
})
