import t from 'tap'
import { ATOMIC_STRUCTS, FIELD_META, REQUIRED } from '../../../actors/apiserver/discovery/openapi-facts.ts'
import { componentName, componentSchemas } from '../../../actors/apiserver/discovery/openapi-schemas.ts'
import { openApiDocument, openApiIndex } from '../../../actors/apiserver/discovery/openapi.ts'
import { messageNamed } from '../../../actors/apiserver/protobuf/registry.ts'

type J = Record<string, any>

const CORE = 'io.k8s.api.core.v1'
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const ref = (name: string): J => ({ $ref: `#/components/schemas/${name}` })
const schemasOf = (key: string): J => (openApiDocument(key) as J)['components']['schemas']

/** The protobuf full name of a facts key: core.v1.PodSpec -> k8s.io.api.core.v1.PodSpec. */
const fullNameOf = (key: string): string => (key.startsWith('meta.') ? `k8s.io.apimachinery.pkg.apis.${key}` : `k8s.io.api.${key}`)

t.test('names as upstream', async (t) => {
  t.equal(componentName('k8s.io.api.apps.v1.Deployment'), 'io.k8s.api.apps.v1.Deployment')
  t.equal(componentName('.k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta'), `${META}.ObjectMeta`)
  const s: J = componentSchemas(['k8s.io.api.apps.v1.Deployment'])
  for (const name of [
    'io.k8s.api.apps.v1.Deployment',
    'io.k8s.api.apps.v1.DeploymentSpec',
    `${CORE}.PodTemplateSpec`,
    `${CORE}.PodSpec`,
    `${CORE}.Container`,
    `${META}.ObjectMeta`,
    `${META}.LabelSelector`,
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'io.k8s.apimachinery.pkg.api.resource.Quantity',
  ])
    t.ok(s[name], name)
})

t.test('a Deployment: refs, types, maps, special types', async (t) => {
  const s: J = componentSchemas(['k8s.io.api.apps.v1.Deployment'])
  const deployment = s['io.k8s.api.apps.v1.Deployment'] as J
  t.same(Object.keys(deployment['properties']), ['metadata', 'spec', 'status'])
  t.same(deployment['properties']['spec'], { allOf: [ref('io.k8s.api.apps.v1.DeploymentSpec')] })
  const spec = (s['io.k8s.api.apps.v1.DeploymentSpec'] as J)['properties']
  t.same(spec['replicas'], { type: 'integer', format: 'int32' })
  t.same(spec['paused'], { type: 'boolean' })
  t.same(spec['template'], { allOf: [ref(`${CORE}.PodTemplateSpec`)] })
  t.same(spec['strategy']['x-kubernetes-patch-strategy'], 'retainKeys')
  t.same((s['io.k8s.api.apps.v1.DeploymentSpec'] as J)['required'], ['selector', 'template'])
  t.same((s['io.k8s.api.apps.v1.RollingUpdateDeployment'] as J)['properties']['maxSurge'], { allOf: [ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString')] })
  t.same(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['format'], 'int-or-string')
  t.same(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['oneOf'], [{ type: 'integer' }, { type: 'string' }])
  t.same(s['io.k8s.apimachinery.pkg.api.resource.Quantity']['oneOf'], [{ type: 'string' }, { type: 'number' }])
  t.same(s[`${META}.Time`]['type'], 'string')
  t.same(s[`${META}.Time`]['format'], 'date-time')
  t.same((s[`${META}.ObjectMeta`] as J)['properties']['generation'], { type: 'integer', format: 'int64' })
  t.same((s[`${META}.ObjectMeta`] as J)['properties']['labels'], { type: 'object', additionalProperties: { type: 'string', default: '' } })
  t.same((s[`${META}.ObjectMeta`] as J)['properties']['creationTimestamp'], { allOf: [ref(`${META}.Time`)] })
  t.same((s[`${CORE}.ResourceRequirements`] as J)['properties']['limits'], { type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') })
  t.same((s[`${CORE}.Container`] as J)['properties']['args'], { type: 'array', items: { type: 'string', default: '' }, 'x-kubernetes-list-type': 'atomic' })
  t.same((s[`${META}.LabelSelector`] as J)['x-kubernetes-map-type'], 'atomic')
})

t.test('inline structs are flattened into their parent', async (t) => {
  const s: J = componentSchemas(['k8s.io.api.core.v1.PodSpec'])
  const volume = s[`${CORE}.Volume`] as J
  t.ok(volume['properties']['name'])
  t.ok(volume['properties']['configMap'], 'VolumeSource fields at the Volume')
  t.notOk(volume['properties']['volumeSource'])
  t.notOk(s[`${CORE}.VolumeSource`], 'no component for the inlined message')
  t.same(volume['required'], ['name'])
  const probe = (s[`${CORE}.Probe`] as J)['properties']
  t.ok(probe['httpGet'] && probe['exec'] && probe['periodSeconds'])
  const ephemeral = s[`${CORE}.EphemeralContainer`] as J
  t.ok(ephemeral['properties']['targetContainerName'] && ephemeral['properties']['image'])
  t.same(ephemeral['properties']['ports']['x-kubernetes-patch-merge-key'], 'containerPort', 'the inlined message keeps its patch metadata')
  t.same(ephemeral['required'], ['name'])
  t.same((s[`${CORE}.ConfigMapKeySelector`] as J)['properties']['name'], { type: 'string' })
})

/** The x-kubernetes-* keys of a property. */
const metaOf = (schemas: J, component: string, field: string): J =>
  Object.fromEntries(Object.entries(schemas[component]['properties'][field] as J).filter(([k]) => k.startsWith('x-kubernetes-')))

t.test('strategic merge metadata on the lists kubectl patches', async (t) => {
  const core = schemasOf('api/v1')
  const apps = schemasOf('apis/apps/v1')
  const batch = schemasOf('apis/batch/v1')
  const byName = (key: string) => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key], 'x-kubernetes-patch-merge-key': key, 'x-kubernetes-patch-strategy': 'merge' })
  for (const schemas of [core, apps, batch]) {
    for (const list of ['containers', 'initContainers', 'ephemeralContainers', 'imagePullSecrets']) t.same(metaOf(schemas, `${CORE}.PodSpec`, list), byName('name'), list)
    t.same(metaOf(schemas, `${CORE}.PodSpec`, 'volumes'), { ...byName('name'), 'x-kubernetes-patch-strategy': 'merge,retainKeys' })
    t.same(metaOf(schemas, `${CORE}.PodSpec`, 'tolerations'), { 'x-kubernetes-list-type': 'atomic' })
    t.same(metaOf(schemas, `${CORE}.PodSpec`, 'nodeSelector'), { 'x-kubernetes-map-type': 'atomic' })
    t.same(metaOf(schemas, `${CORE}.Container`, 'env'), byName('name'))
    t.same(metaOf(schemas, `${CORE}.Container`, 'volumeMounts'), byName('mountPath'))
    t.same(metaOf(schemas, `${CORE}.Container`, 'ports'), { ...byName('containerPort'), 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] })
    t.same(metaOf(schemas, `${META}.ObjectMeta`, 'ownerReferences'), byName('uid'))
    t.same(metaOf(schemas, `${META}.ObjectMeta`, 'finalizers'), { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' })
    t.same(schemas[`${CORE}.Container`]['required'], ['name'])
    t.same(schemas[`${CORE}.ContainerPort`]['required'], ['containerPort'])
    t.same(schemas[`${CORE}.PodSpec`]['required'], ['containers'])
  }
  t.same(metaOf(core, `${CORE}.ServiceSpec`, 'ports'), { ...byName('port'), 'x-kubernetes-list-map-keys': ['port', 'protocol'] })
  t.same(core[`${CORE}.ServicePort`]['required'], ['port'])
  t.same(metaOf(apps, 'io.k8s.api.apps.v1.DeploymentStatus', 'conditions'), byName('type'))
  t.same(metaOf(apps, 'io.k8s.api.apps.v1.StatefulSetSpec', 'volumeClaimTemplates'), { 'x-kubernetes-list-type': 'atomic' })
  t.same(metaOf(batch, 'io.k8s.api.batch.v1.JobStatus', 'conditions'), { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-patch-strategy': 'merge' })
})

t.test('every served kind with a protobuf schema is described completely, with its GVK', async (t) => {
  const apps = schemasOf('apis/apps/v1')
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision']) {
    const schema = apps[`io.k8s.api.apps.v1.${kind}`]
    t.same(schema['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind }])
    t.ok(schema['properties']['apiVersion'] && schema['properties']['kind'], `${kind} has TypeMeta`)
    t.notOk(schema['x-kubernetes-preserve-unknown-fields'], `${kind} is closed`)
  }
  // A StatefulSet's claim templates are PersistentVolumeClaims, described as the kind.
  t.same(apps[`${CORE}.PersistentVolumeClaim`]['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'PersistentVolumeClaim' }])
  const batch = schemasOf('apis/batch/v1')
  t.same(batch['io.k8s.api.batch.v1.JobSpec']['properties']['template'], { allOf: [ref(`${CORE}.PodTemplateSpec`)] })
  t.ok(batch['io.k8s.api.batch.v1.CronJobSpec']['properties']['jobTemplate'])
  const core = schemasOf('api/v1')
  // Pod: spec and status, the whole message.
  t.same(core[`${CORE}.Pod`]['properties']['spec'], { allOf: [ref(`${CORE}.PodSpec`)] })
  t.same(core[`${CORE}.Pod`]['properties']['status'], { allOf: [ref(`${CORE}.PodStatus`)] })
  t.same(Object.keys(core[`${CORE}.ConfigMap`]['properties']).sort(), ['apiVersion', 'binaryData', 'data', 'immutable', 'kind', 'metadata'])
  t.same(core[`${CORE}.Secret`]['properties']['data'], { type: 'object', additionalProperties: { type: 'string', format: 'byte', default: '' } })
  t.same(core[`${META}.Status`]['properties']['code'], { type: 'integer', format: 'int32' })
  t.ok(core[`${META}.Status`]['properties']['kind'])
  // Node, Event (MicroTime a date-time string), Endpoints, LimitRange, PersistentVolume, Binding: whole messages too.
  t.same(core[`${CORE}.Node`]['properties']['spec'], { allOf: [ref(`${CORE}.NodeSpec`)] })
  t.same(core[`${CORE}.Event`]['properties']['eventTime'], { allOf: [ref(`${META}.MicroTime`)] })
  t.same(core[`${META}.MicroTime`]['format'], 'date-time')
  for (const kind of ['Node', 'Event', 'Endpoints', 'LimitRange', 'PersistentVolume', 'Binding']) {
    t.same(core[`${CORE}.${kind}`]['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind }], kind)
    t.notOk(core[`${CORE}.${kind}`]['x-kubernetes-preserve-unknown-fields'], `${kind} is closed`)
  }
  // The chaos kinds keep their own.
  const chaos = schemasOf('apis/chaos.actorkube.io/v1alpha1')
  t.ok(chaos['io.k8s.api.chaos.v1alpha1.ChaosExperiment']['properties']['spec']['properties']['method'])
})

t.test('every $ref of every document resolves, and every component is filled in', async (t) => {
  for (const key of Object.keys(openApiIndex().paths)) {
    const doc = openApiDocument(key) as J
    const schemas = doc['components']['schemas'] as J
    const reached = new Set<string>()
    const bad: string[] = []
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk)
      if (v === null || typeof v !== 'object') return
      const o = v as J
      if (typeof o['$ref'] === 'string') {
        const target = (o['$ref'] as string).replace('#/components/schemas/', '')
        if (!schemas[target]) bad.push(o['$ref'])
        else if (!reached.has(target)) {
          reached.add(target)
          walk(schemas[target])
        }
      }
      for (const x of Object.values(o)) walk(x)
    }
    walk(doc['paths'])
    t.ok(reached.has(`${META}.ObjectMeta`), `${key}: refs followed`)
    t.same(bad, [], `${key}: unresolved refs`)
    for (const [name, schema] of Object.entries(schemas)) t.not(Object.keys(schema as J).length, 0, `${key}: ${name} filled in`)
  }
})

t.test('every fact names a message and field of our protobuf schema', async (t) => {
  for (const [key, fields] of Object.entries(FIELD_META)) {
    const type = messageNamed(fullNameOf(key))
    for (const field of Object.keys(fields)) t.ok(type.fields[field], `${key}.${field}`)
  }
  for (const [key, fields] of Object.entries(REQUIRED)) {
    const type = messageNamed(fullNameOf(key))
    for (const field of fields) t.ok(type.fields[field], `${key}.${field} (required)`)
  }
  for (const key of ATOMIC_STRUCTS) t.ok(messageNamed(fullNameOf(key)), key)
})

t.test('subresource kinds with a protobuf schema (Eviction, TokenRequest) are described with their GVK', async (t) => {
  const core = schemasOf('api/v1')
  t.same(core['io.k8s.api.policy.v1.Eviction']['x-kubernetes-group-version-kind'], [{ group: 'policy', version: 'v1', kind: 'Eviction' }])
  t.ok(core['io.k8s.api.policy.v1.Eviction']['properties']['deleteOptions'])
  t.same(core['io.k8s.api.authentication.v1.TokenRequest']['x-kubernetes-group-version-kind'], [{ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }])
  t.ok(core['io.k8s.api.authentication.v1.TokenRequest']['properties']['kind'])
})

/**
 * What `kubectl explain KIND.a.b` reads (kubectl 1.32, OpenAPI v3): the document of the kind's
 * group/version, the component whose x-kubernetes-group-version-kind is the kind, then each
 * field's schema, following `$ref`s (through allOf) and list items. Returns the last field's
 * schema and the component it resolves to (a field of a message type), or a string saying where
 * the walk stopped.
 */
const explain = (documentKey: string, kind: string, path: readonly string[]): { field: J; resolved: J | undefined } | string => {
  const schemas = schemasOf(documentKey)
  const deref = (schema: J): J | undefined => {
    const ref = (schema['$ref'] ?? schema['allOf']?.[0]?.['$ref']) as string | undefined
    return ref === undefined ? undefined : (schemas[ref.replace('#/components/schemas/', '')] as J | undefined)
  }
  let current: J | undefined = Object.values(schemas).find((s: J) => (s['x-kubernetes-group-version-kind'] as J[] | undefined)?.some((g) => g['kind'] === kind)) as J | undefined
  if (current === undefined) return `no component of ${kind}`
  let field: J = current
  for (const name of path) {
    if (current === undefined || current['properties']?.[name] === undefined) return `field "${name}" does not exist`
    field = current['properties'][name] as J
    current = deref(field['type'] === 'array' ? (field['items'] as J) : field)
  }
  return { field, resolved: current }
}

t.test('kubectl explain pod.status.containerStatuses and networkpolicy.spec.ingress walk the generated schemas', async (t) => {
  const statuses = explain('api/v1', 'Pod', ['status', 'containerStatuses'])
  if (typeof statuses === 'string') t.fail(statuses)
  else {
    t.equal(statuses.field['type'], 'array', 'containerStatuses is a list')
    t.same(statuses.field['x-kubernetes-list-type'], undefined, 'no list metadata invented')
    t.ok(statuses.resolved, 'its items are a described message')
    t.same(Object.keys(statuses.resolved!['properties']).sort(), ['allocatedResources', 'allocatedResourcesStatus', 'containerID', 'image', 'imageID', 'lastState', 'name', 'ready', 'resources', 'restartCount', 'started', 'state', 'stopSignal', 'user', 'volumeMounts'])
  }
  const running = explain('api/v1', 'Pod', ['status', 'containerStatuses', 'state', 'running', 'startedAt'])
  t.same(typeof running === 'string' ? running : running.field, { allOf: [ref(`${META}.Time`)] }, 'pod.status.containerStatuses.state.running.startedAt is a Time')
  t.equal(explain('api/v1', 'Pod', ['status', 'containerStatus']), 'field "containerStatus" does not exist', 'a misspelt field is not found, as kubectl says')

  const ingress = explain('apis/networking.k8s.io/v1', 'NetworkPolicy', ['spec', 'ingress'])
  if (typeof ingress === 'string') t.fail(ingress)
  else {
    t.equal(ingress.field['type'], 'array')
    t.same(Object.keys(ingress.resolved!['properties']).sort(), ['from', 'ports'])
  }
  const cidr = explain('apis/networking.k8s.io/v1', 'NetworkPolicy', ['spec', 'ingress', 'from', 'ipBlock', 'cidr'])
  t.same(typeof cidr === 'string' ? cidr : cidr.field, { type: 'string' })
  const port = explain('apis/networking.k8s.io/v1', 'NetworkPolicy', ['spec', 'ingress', 'ports', 'port'])
  t.same(typeof port === 'string' ? port : port.field, { allOf: [ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString')] })

  for (const [documentKey, kind, path] of [
    ['api/v1', 'Node', ['status', 'nodeInfo', 'kubeletVersion']],
    ['api/v1', 'Event', ['involvedObject', 'fieldPath']],
    ['api/v1', 'PersistentVolume', ['spec', 'csi', 'driver']],
    ['api/v1', 'PersistentVolume', ['spec', 'local', 'path']],
    ['api/v1', 'LimitRange', ['spec', 'limits', 'defaultRequest']],
    ['api/v1', 'Endpoints', ['subsets', 'addresses', 'ip']],
    ['apis/coordination.k8s.io/v1', 'Lease', ['spec', 'renewTime']],
    ['apis/storage.k8s.io/v1', 'StorageClass', ['allowedTopologies', 'matchLabelExpressions', 'values']],
    ['apis/networking.k8s.io/v1', 'IngressClass', ['spec', 'parameters', 'scope']],
  ] as const) {
    const found = explain(documentKey, kind, path)
    t.type(found, 'object', `${kind}.${path.join('.')}: ${typeof found === 'string' ? found : 'found'}`)
  }
})
