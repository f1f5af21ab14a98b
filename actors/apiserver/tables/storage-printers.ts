/**
 * Table printers for storage: PersistentVolumeClaim, PersistentVolume (core/v1) and
 * StorageClass (storage.k8s.io/v1), as Kubernetes' printPersistentVolumeClaim,
 * printPersistentVolume and printStorageClass lay them out.
 */
import { AGE_COL, NAME_COL, ageOf, arr, col, nameOf, obj, str } from './columns.ts'
import type { Printer } from './printers.ts'
import type { KubeObject } from './types.ts'
import { BETA_STORAGE_CLASS_ANNOTATION as BETA_STORAGE_CLASS, isDefaultClass } from '../../kube/storage.ts'

const MODE_ABBREVIATIONS: readonly (readonly [string, string])[] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
]

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
export const accessModesText = (modes: readonly unknown[]): string =>
  MODE_ABBREVIATIONS.filter(([mode]) => modes.includes(mode))
    .map(([, short]) => short)
    .join(',')

const storageClassOf = (o: KubeObject): string => o.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? str(obj(o['spec'])['storageClassName'])

/** A pointer field Kubernetes prints as `<unset>` when nil or empty. */
const orUnset = (v: unknown): string => str(v) || '<unset>'
const phaseOf = (o: KubeObject): string => (o.metadata?.deletionTimestamp ? 'Terminating' : str(obj(o['status'])['phase']))
const storageOf = (resources: unknown): string => str(obj(resources)['storage'])

const VOLUME_MODE_COL = col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1)

const claimPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE_COL,
    VOLUME_MODE_COL,
  ],
  row: (pvc, now) => {
    const spec = obj(pvc['spec'])
    const status = obj(pvc['status'])
    // Capacity and modes are the bound volume's: blank until the claim names one.
    const bound = str(spec['volumeName']) !== ''
    return {
      cells: [
        nameOf(pvc),
        phaseOf(pvc),
        str(spec['volumeName']),
        bound ? storageOf(status['capacity']) || '0' : '',
        bound ? accessModesText(arr(status['accessModes'])) : '',
        storageClassOf(pvc),
        orUnset(spec['volumeAttributesClassName']),
        ageOf(pvc, now),
        orUnset(spec['volumeMode']),
      ],
    }
  },
}

const volumePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE_COL,
    VOLUME_MODE_COL,
  ],
  row: (pv, now) => {
    const spec = obj(pv['spec'])
    const claim = spec['claimRef'] === undefined || spec['claimRef'] === null ? '' : `${str(obj(spec['claimRef'])['namespace'])}/${str(obj(spec['claimRef'])['name'])}`
    return {
      cells: [
        nameOf(pv),
        storageOf(spec['capacity']) || '0',
        accessModesText(arr(spec['accessModes'])),
        str(spec['persistentVolumeReclaimPolicy']),
        phaseOf(pv),
        claim,
        storageClassOf(pv),
        orUnset(spec['volumeAttributesClassName']),
        str(obj(pv['status'])['reason']),
        ageOf(pv, now),
        orUnset(spec['volumeMode']),
      ],
    }
  },
}

const storageClassPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE_COL,
  ],
  row: (sc, now) => {
    const isDefault = isDefaultClass(sc)
    return {
      cells: [
        isDefault ? `${nameOf(sc)} (default)` : nameOf(sc),
        str(sc['provisioner']),
        str(sc['reclaimPolicy']) || 'Delete',
        str(sc['volumeBindingMode']) || 'Immediate',
        sc['allowVolumeExpansion'] === true,
        ageOf(sc, now),
      ],
    }
  },
}

/** By `<group>/<resource>`, as PRINTERS keys them. */
export const STORAGE_PRINTERS: Readonly<Record<string, Printer>> = {
  '/persistentvolumeclaims': claimPrinter,
  '/persistentvolumes': volumePrinter,
  'storage.k8s.io/storageclasses': storageClassPrinter,
}
