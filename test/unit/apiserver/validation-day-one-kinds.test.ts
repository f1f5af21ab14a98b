/**
 * Validation and defaulting of the kinds a Kubernetes user meets in the first hour: each bad
 * object's field errors as kubectl prints them (`field: message`), good objects passing, and
 * the defaults Kubernetes' defaulters set.
 */
import t from 'tap'
import { applyCreateDefaults, applyDefaults } from '../../../actors/apiserver/validation/defaults.ts'
import { validateKind } from '../../../actors/apiserver/validation/kinds.ts'
import { base64Of, decodeBase64 } from '../../../actors/apiserver/validation/core-kinds.ts'
import type { KubeObject } from '../../../actors/apiserver/ports.ts'

const meta = { name: 'x', namespace: 'default' }
/** Field errors of an object as it would be stored (defaults applied first, as the server does). */
const errorsOf = (kind: string, o: Record<string, unknown>, old?: Record<string, unknown>): string[] =>
  validateKind(kind, applyDefaults(kind, { kind, metadata: meta, ...o } as KubeObject), old === undefined ? undefined : (applyDefaults(kind, { kind, metadata: meta, ...old } as KubeObject) as KubeObject)).map(
    (e) => `${e.field}: ${e.message}`,
  )

const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } }
const selector = { matchLabels: { app: 'a' } }
const b64 = (s: string) => base64Of(s)

type Case = readonly [name: string, kind: string, object: Record<string, unknown>, errors: readonly string[], old?: Record<string, unknown>]

const CASES: readonly Case[] = [
  // Secrets
  ['opaque secret', 'Secret', { data: { password: b64('s3cr3t') } }, []],
  ['secret data not base64', 'Secret', { data: { password: 'not base64!' } }, ['data[password]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3']],
  ['secret data badly padded', 'Secret', { data: { k: 'YWJj=' } }, ['data[k]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 4']],
  ['secret key with a space', 'Secret', { data: { 'bad key': b64('v') } }, [`data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`]],
  ['tls secret without its key', 'Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('cert') } }, ['data[tls.key]: Required value']],
  ['tls secret from stringData', 'Secret', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'cert', 'tls.key': 'key' } }, []],
  ['dockerconfigjson secret without its key', 'Secret', { type: 'kubernetes.io/dockerconfigjson', data: {} }, ['data[.dockerconfigjson]: Required value']],
  ['dockerconfigjson secret that is not JSON', 'Secret', { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } }, ['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": must be valid JSON']],
  ['basic-auth secret with neither key', 'Secret', { type: 'kubernetes.io/basic-auth', data: {} }, ['data[username]: Required value', 'data[password]: Required value']],
  ['service account token without its account', 'Secret', { type: 'kubernetes.io/service-account-token' }, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
  ['secret type changed', 'Secret', { type: 'kubernetes.io/basic-auth', data: { username: b64('u') } }, ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable'], { data: { username: b64('u') } }],
  ['immutable secret data changed', 'Secret', { immutable: true, data: { a: b64('2') } }, ['data: Forbidden: field is immutable when `immutable` is set'], { immutable: true, data: { a: b64('1') } }],
  ['immutable secret made mutable', 'Secret', { immutable: false, data: { a: b64('1') } }, ['immutable: Forbidden: field is immutable when `immutable` is set'], { immutable: true, data: { a: b64('1') } }],
  ['mutable secret changed', 'Secret', { data: { a: b64('2') } }, [], { data: { a: b64('1') } }],
  // LimitRange, ResourceQuota
  ['limit range', 'LimitRange', { spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' } }] } }, []],
  ['limit range min above max (default and default request come from max)', 'LimitRange', { spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }] } }, [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
    'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
    'spec.limits[0].default[cpu]: Invalid value: "1": min value 2 is greater than default value 1',
  ]],
  ['limit range ratio below 1', 'LimitRange', { spec: { limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '0.5' } }] } }, ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "0.5": ratio 0.5 is less than 1']],
  ['limit range unknown type', 'LimitRange', { spec: { limits: [{ type: 'Node' }] } }, ['spec.limits[0].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"']],
  ['limit range pod default', 'LimitRange', { spec: { limits: [{ type: 'Pod', default: { cpu: '1' } }] } }, ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]],
  ['quota', 'ResourceQuota', { spec: { hard: { pods: '10', 'requests.cpu': '4' } } }, []],
  ['quota negative', 'ResourceQuota', { spec: { hard: { pods: '-1' } } }, ['spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0']],
  ['quota not a quantity', 'ResourceQuota', { spec: { hard: { cpu: 'lots' } } }, [`spec.hard[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`]],
  ['quota unknown scope', 'ResourceQuota', { spec: { hard: { pods: '1' }, scopes: ['Sometimes'] } }, ['spec.scopes[0]: Unsupported value: "Sometimes": supported values: "BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating"']],
  // Storage
  ['claim', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, []],
  ['claim without modes or size', 'PersistentVolumeClaim', { spec: {} }, ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']],
  ['claim with a bad mode', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteSometimes'], resources: { requests: { storage: '1Gi' } } } }, ['spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"']],
  ['claim grows', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } }, [], { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  ['claim bound', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], volumeName: 'pv-1', resources: { requests: { storage: '1Gi' } } } }, [], { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  ['claim modes changed', 'PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } }, ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'], { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  ['volume', 'PersistentVolume', { spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } }, []],
  ['volume without source', 'PersistentVolume', { spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'] } }, ['spec: Required value: must specify a volume type']],
  ['local volume without affinity', 'PersistentVolume', { spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/mnt' }, persistentVolumeReclaimPolicy: 'Keep' } }, [
    'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
    'spec.nodeAffinity: Required value: Local volume requires node affinity',
  ]],
  ['volume without capacity', 'PersistentVolume', { spec: { accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' } } }, ['spec.capacity: Required value']],
  ['storage class', 'StorageClass', { provisioner: 'actorkube.io/local' }, []],
  ['storage class without provisioner', 'StorageClass', { volumeBindingMode: 'Later' }, ['provisioner: Required value', 'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']],
  ['storage class parameters changed', 'StorageClass', { provisioner: 'p', parameters: { a: '2' } }, ['parameters: Forbidden: updates to parameters are forbidden.'], { provisioner: 'p', parameters: { a: '1' } }],
  // Workloads
  ['daemon set', 'DaemonSet', { spec: { selector, template } }, []],
  ['daemon set without selector', 'DaemonSet', { spec: { template } }, ['spec.selector: Required value']],
  ['daemon set restart Never', 'DaemonSet', { spec: { selector, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } }, ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
  ['daemon set bad strategy', 'DaemonSet', { spec: { selector, template, updateStrategy: { type: 'Recreate' } } }, ['spec.updateStrategy.type: Unsupported value: "Recreate": supported values: "OnDelete", "RollingUpdate"']],
  ['daemon set selector changed', 'DaemonSet', { spec: { selector: { matchLabels: { app: 'a', tier: 'x' } }, template: { ...template, metadata: { labels: { app: 'a', tier: 'x' } } } } }, ['spec.selector: Invalid value: {"matchLabels":{"app":"a","tier":"x"}}: field is immutable'], { spec: { selector, template } }],
  ['stateful set', 'StatefulSet', { spec: { serviceName: 'db', replicas: 3, selector, template, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] } }, []],
  ['stateful set bad policy and claim', 'StatefulSet', { spec: { selector, template, podManagementPolicy: 'AllAtOnce', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] } }, [
    'spec.podManagementPolicy: Unsupported value: "AllAtOnce": supported values: "OrderedReady", "Parallel"',
    'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
  ]],
  ['stateful set negative replicas', 'StatefulSet', { spec: { replicas: -1, selector, template } }, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
  ['stateful set scaled and re-imaged', 'StatefulSet', { spec: { serviceName: 'db', replicas: 5, selector, template: { ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.28' }] } } } }, [], { spec: { serviceName: 'db', replicas: 3, selector, template } }],
  ['stateful set service renamed', 'StatefulSet', { spec: { serviceName: 'other', selector, template } }, [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ], { spec: { serviceName: 'db', selector, template } }],
  // PodDisruptionBudget
  ['pdb min available', 'PodDisruptionBudget', { spec: { minAvailable: 2, selector } }, []],
  ['pdb max unavailable percent', 'PodDisruptionBudget', { spec: { maxUnavailable: '25%', selector } }, []],
  ['pdb both', 'PodDisruptionBudget', { spec: { minAvailable: 1, maxUnavailable: 1, selector } }, ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1,"selector":{"matchLabels":{"app":"a"}}}: minAvailable and maxUnavailable cannot be both set']],
  ['pdb negative', 'PodDisruptionBudget', { spec: { minAvailable: -1 } }, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']],
  ['pdb over 100%', 'PodDisruptionBudget', { spec: { maxUnavailable: '120%' } }, ['spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%']],
  ['pdb not a percent', 'PodDisruptionBudget', { spec: { minAvailable: 'half' } }, [`spec.minAvailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`]],
  // Networking
  ['ingress', 'Ingress', { spec: { ingressClassName: 'nginx', rules: [{ host: 'foo.bar.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }, []],
  ['ingress wildcard host, named port', 'Ingress', { spec: { rules: [{ host: '*.foo.com', http: { paths: [{ path: '/x', pathType: 'Exact', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] } }, []],
  ['ingress with nothing', 'Ingress', { spec: {} }, ['spec: Invalid value: {}: either `defaultBackend` or `rules` must be specified']],
  ['ingress path mistakes', 'Ingress', { spec: { rules: [{ host: '1.2.3.4', http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }, { path: 'rel', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80, name: 'http' } } } }, { path: '/', pathType: 'Prefix', backend: {} }] } }] } }, [
    'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    'spec.rules[0].http.paths[1].path: Invalid value: "rel": must be an absolute path',
    'spec.rules[0].http.paths[1].backend.service.port: Invalid value: {"number":80,"name":"http"}: cannot set both port name & port number',
    'spec.rules[0].http.paths[2].backend: Invalid value: "": resource or service backend is required',
  ]],
  ['ingress rule without paths', 'Ingress', { spec: { rules: [{ host: 'a.com', http: {} }] } }, ['spec.rules[0].http.paths: Required value']],
  ['ingress class', 'IngressClass', { spec: { controller: 'k8s.io/ingress-nginx' } }, []],
  ['ingress class without controller', 'IngressClass', { spec: {} }, ['spec.controller: Required value']],
  ['ingress class controller not a path', 'IngressClass', { spec: { controller: 'nginx' } }, ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']],
  ['ingress class controller changed', 'IngressClass', { spec: { controller: 'example.com/b' } }, ['spec.controller: Invalid value: "example.com/b": field is immutable'], { spec: { controller: 'example.com/a' } }],
  ['network policy', 'NetworkPolicy', { spec: { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'p' } } }], ports: [{ protocol: 'TCP', port: 6379 }] }] } }, []],
  ['network policy mistakes', 'NetworkPolicy', { spec: { podSelector: {}, policyTypes: ['Sideways'], ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/33' }, podSelector: {} }], ports: [{ protocol: 'ICMP', port: 0 }] }] } }, [
    'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ingress[0].from[0]: Required value: must specify a peer',
    'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
    'spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Egress", "Ingress"',
  ]],
  ['network policy bad cidr', 'NetworkPolicy', { spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: 'ten/8' } }] }] } }, ['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "ten/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
]

t.test('field errors as kubectl prints them', async (t) => {
  for (const [name, kind, object, errors, old] of CASES) t.same(errorsOf(kind, object, old), errors, name)
})

t.test('base64', async (t) => {
  t.equal(base64Of('héllo'), 'aMOpbGxv')
  const decoded = decodeBase64('aMOpbGxv')
  t.same(decoded.ok && new TextDecoder().decode(decoded.bytes), 'héllo')
  t.same(decodeBase64(''), { ok: true, bytes: new Uint8Array() })
  t.same(decodeBase64('abc'), { ok: false, at: 0 })
  t.same(decodeBase64('ab=c'), { ok: false, at: 2 })
})

const created = (kind: string, o: Record<string, unknown>) => applyCreateDefaults(kind, { kind, metadata: meta, ...o } as KubeObject) as Record<string, unknown>

t.test('defaults', async (t) => {
  const secret = created('Secret', { data: { a: b64('1'), b: b64('old') }, stringData: { b: 'new', c: 'ç' } })
  t.same(secret, { kind: 'Secret', metadata: meta, type: 'Opaque', data: { a: b64('1'), b: b64('new'), c: b64('ç') } }, 'stringData folded into data and dropped; type Opaque')
  t.same(created('Secret', { type: 'kubernetes.io/tls' }), { kind: 'Secret', metadata: meta, type: 'kubernetes.io/tls' }, 'no data stays absent')

  t.match(created('PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'] } }), { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } })
  t.match(created('PersistentVolume', { spec: {} }), { spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } })
  t.match(created('StorageClass', { provisioner: 'p' }), { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' })

  const limits = created('LimitRange', { spec: { limits: [{ type: 'Container', max: { cpu: '2', memory: '1Gi' }, default: { cpu: '1' }, min: { memory: '64Mi' } }, { type: 'Pod', max: { cpu: '4' } }] } })
  t.same((limits.spec as { limits: unknown[] }).limits, [
    { type: 'Container', max: { cpu: '2', memory: '1Gi' }, default: { cpu: '1', memory: '1Gi' }, min: { memory: '64Mi' }, defaultRequest: { cpu: '1', memory: '1Gi' } },
    { type: 'Pod', max: { cpu: '4' } },
  ], 'a container default limit from max, default request from the default limit (over min)')

  const ds = created('DaemonSet', { spec: { selector, template } }) as { spec: Record<string, unknown> }
  t.match(ds.spec, { revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } } })
  t.same((created('DaemonSet', { spec: { updateStrategy: { type: 'OnDelete' } } }) as { spec: Record<string, unknown> }).spec.updateStrategy, { type: 'OnDelete' })

  const sts = created('StatefulSet', { spec: { selector, template, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] } }) as { spec: Record<string, unknown> }
  t.match(sts.spec, {
    replicas: 1,
    podManagementPolicy: 'OrderedReady',
    revisionHistoryLimit: 10,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    template: { spec: { restartPolicy: 'Always' } },
    volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
  })

  t.same((created('NetworkPolicy', { spec: { podSelector: {} } }) as { spec: unknown }).spec, { podSelector: {}, policyTypes: ['Ingress'] })
  t.same((created('NetworkPolicy', { spec: { egress: [{ ports: [{ port: 53 }] }] } }) as { spec: unknown }).spec, { podSelector: {}, egress: [{ ports: [{ protocol: 'TCP', port: 53 }] }], policyTypes: ['Ingress', 'Egress'] })
  t.same((created('NetworkPolicy', { spec: { podSelector: {}, policyTypes: ['Egress'] } }) as { spec: unknown }).spec, { podSelector: {}, policyTypes: ['Egress'] })
})
