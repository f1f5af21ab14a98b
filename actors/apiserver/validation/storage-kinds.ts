/**
 * Storage objects on the API server: PersistentVolumeClaim and PersistentVolume (core/v1) and
 * StorageClass (storage.k8s.io/v1). Defaulting as SetDefaults_PersistentVolumeClaim(Spec),
 * SetDefaults_PersistentVolume and SetDefaults_StorageClass; validation with field paths as
 * ValidatePersistentVolumeClaim(Update), ValidatePersistentVolume and ValidateStorageClass(Update).
 */
import { FieldPath, forbidden, invalid, notSupported, required, type FieldError } from '../field-errors.ts'
import { semanticEqual } from '../meta/object-meta.ts'
import type { KubeObject } from '../ports.ts'
import { immutableField, isObj, objOf, quantityAt, type Obj } from './field-values.ts'

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod']
const VOLUME_MODES = ['Block', 'Filesystem']
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain']
const CLASS_RECLAIM_POLICIES = ['Delete', 'Retain']
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer']
/** The volume sources a PersistentVolume may name (one of them). */
const VOLUME_SOURCES = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'cephfs', 'rbd', 'cinder', 'flexVolume', 'azureFile', 'azureDisk', 'awsElasticBlockStore', 'gcePersistentDisk', 'glusterfs', 'portworxVolume', 'scaleIO', 'storageos', 'vsphereVolume', 'photonPersistentDisk', 'quobyte', 'flocker']

const spec = FieldPath.root('spec')

// ------------------------------------------------------------------ defaults

/** SetDefaults_PersistentVolumeClaimSpec: volumeMode Filesystem. */
export const defaultClaimSpec = (s: unknown): Obj => ({ volumeMode: 'Filesystem', ...objOf(s) })

/** SetDefaults_PersistentVolumeClaim: a claim is Pending until it is bound. */
export const defaultClaim = (o: KubeObject): KubeObject => ({ ...o, spec: defaultClaimSpec(o.spec), status: { phase: 'Pending', ...objOf(o.status) } })

/** SetDefaults_PersistentVolume: Retain, Filesystem, Pending. */
export const defaultVolume = (o: KubeObject): KubeObject => ({
  ...o,
  spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', ...objOf(o.spec) },
  status: { phase: 'Pending', ...objOf(o.status) },
})

/** SetDefaults_StorageClass: Delete, Immediate. */
export const defaultStorageClass = (o: KubeObject): KubeObject => ({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', ...o })

// ------------------------------------------------------------------ validation

function accessModes(modes: unknown, path: FieldPath, required_: string): FieldError[] {
  if (!Array.isArray(modes) || modes.length === 0) return [required(path, required_)]
  return modes.filter((m) => !ACCESS_MODES.includes(String(m))).map((m) => notSupported(path, m, ACCESS_MODES))
}

function volumeMode(mode: unknown, path: FieldPath): FieldError[] {
  return mode === undefined || VOLUME_MODES.includes(String(mode)) ? [] : [notSupported(path, mode, VOLUME_MODES)]
}

/** ValidatePersistentVolumeClaimSpec (also of a StatefulSet's volumeClaimTemplates). */
export function validateClaimSpec(s: unknown, path: FieldPath): FieldError[] {
  const c = objOf(s)
  const errors = accessModes(c.accessModes, path.child('accessModes'), 'at least 1 access mode is required')
  const storage = objOf(objOf(c.resources).requests).storage
  if (storage === undefined) errors.push(required(path.child('resources').key('storage')))
  else {
    const q = quantityAt(storage, path.child('resources').key('storage'))
    if (!q.ok) errors.push(q.error)
    else if (q.value <= 0) errors.push(invalid(path.child('resources').key('storage'), storage, 'must be greater than zero'))
  }
  errors.push(...volumeMode(c.volumeMode, path.child('volumeMode')))
  return errors
}

/** ValidatePersistentVolumeClaimUpdate: only the storage request (and a first volumeName, on binding) may change. */
function claimUpdate(next: Obj, old: Obj): FieldError[] {
  const comparable = (s: Obj, volumeName: unknown) => ({ ...s, resources: { ...objOf(s.resources), requests: undefined }, volumeAttributesClassName: undefined, volumeName })
  const n = objOf(next.spec)
  const o = objOf(old.spec)
  const volumeName = o.volumeName === undefined || o.volumeName === '' ? undefined : o.volumeName
  if (semanticEqual(comparable(n, volumeName === undefined ? undefined : n.volumeName), comparable(o, volumeName))) return []
  return [forbidden(spec, 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')]
}

export function validateClaim(o: KubeObject, old?: KubeObject): FieldError[] {
  const errors = validateClaimSpec(o.spec, spec)
  return old === undefined ? errors : [...errors, ...claimUpdate(o as Obj, old as Obj)]
}

export function validateVolume(o: KubeObject): FieldError[] {
  const s = objOf(o.spec)
  const errors: FieldError[] = []
  const capacity = objOf(s.capacity)
  if (Object.keys(capacity).length === 0) errors.push(required(spec.child('capacity')))
  else if (capacity.storage === undefined || Object.keys(capacity).length > 1) errors.push(notSupported(spec.child('capacity'), capacity, ['storage']))
  else {
    const q = quantityAt(capacity.storage, spec.child('capacity').key('storage'))
    if (!q.ok) errors.push(q.error)
  }
  errors.push(...accessModes(s.accessModes, spec.child('accessModes'), ''))
  const policy = s.persistentVolumeReclaimPolicy
  if (policy !== undefined && !RECLAIM_POLICIES.includes(String(policy))) errors.push(notSupported(spec.child('persistentVolumeReclaimPolicy'), policy, RECLAIM_POLICIES))
  errors.push(...volumeMode(s.volumeMode, spec.child('volumeMode')))
  const sources = VOLUME_SOURCES.filter((k) => isObj(s[k]))
  if (sources.length === 0) errors.push(required(spec, 'must specify a volume type'))
  for (const extra of sources.slice(1)) errors.push(forbidden(spec.child(extra), 'may not specify more than 1 volume type'))
  if (isObj(s.hostPath) && (typeof s.hostPath.path !== 'string' || s.hostPath.path === '')) errors.push(required(spec.child('hostPath').child('path')))
  if (isObj(s.local)) {
    if (typeof s.local.path !== 'string' || s.local.path === '') errors.push(required(spec.child('local').child('path')))
    if (!isObj(s.nodeAffinity)) errors.push(required(spec.child('nodeAffinity'), 'Local volume requires node affinity'))
  }
  return errors
}

export function validateStorageClass(o: KubeObject, old?: KubeObject): FieldError[] {
  const sc = o as Obj
  const errors: FieldError[] = []
  if (typeof sc.provisioner !== 'string' || sc.provisioner === '') errors.push(required(FieldPath.root('provisioner')))
  if (sc.reclaimPolicy !== undefined && !CLASS_RECLAIM_POLICIES.includes(String(sc.reclaimPolicy))) errors.push(notSupported(FieldPath.root('reclaimPolicy'), sc.reclaimPolicy, CLASS_RECLAIM_POLICIES))
  if (sc.volumeBindingMode !== undefined && !BINDING_MODES.includes(String(sc.volumeBindingMode))) errors.push(notSupported(FieldPath.root('volumeBindingMode'), sc.volumeBindingMode, BINDING_MODES))
  if (old === undefined) return errors
  const before = old as Obj
  for (const field of ['parameters', 'provisioner', 'reclaimPolicy']) {
    if (!semanticEqual(sc[field], before[field])) errors.push(forbidden(FieldPath.root(field), `updates to ${field} are forbidden.`))
  }
  return [...errors, ...immutableField(sc.volumeBindingMode, before.volumeBindingMode, FieldPath.root('volumeBindingMode'))]
}

/** By kind, as VALIDATORS and DEFAULTERS key them. */
export const STORAGE_KIND_VALIDATORS: Readonly<Record<string, (o: KubeObject, old?: KubeObject) => FieldError[]>> = {
  PersistentVolumeClaim: validateClaim,
  PersistentVolume: validateVolume,
  StorageClass: validateStorageClass,
}

export const STORAGE_KIND_DEFAULTERS: Readonly<Record<string, (o: KubeObject) => KubeObject>> = {
  PersistentVolumeClaim: defaultClaim,
  PersistentVolume: defaultVolume,
  StorageClass: defaultStorageClass,
}
