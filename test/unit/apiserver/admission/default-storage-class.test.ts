/** The DefaultStorageClass admission of new PersistentVolumeClaims, through the API handlers. */
import t from 'tap'
import { handle } from '../../../../actors/apiserver/handle.ts'
import { defaultClassName } from '../../../../actors/apiserver/admission/default-storage-class.ts'
import { DEFAULT_STORAGE_CLASS } from '../../../../actors/kube/storage.ts'
import { bodyOf, cluster, request } from '../memory-objects.ts'

const CLASSES = '/apis/storage.k8s.io/v1/storageclasses'
const CLAIMS = '/api/v1/namespaces/default/persistentvolumeclaims'
const claim = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
})
const marked = (name: string, creationTimestamp: string) => ({ metadata: { name, creationTimestamp, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } })

t.test('default storage class - a claim without a class gets the default one', async (t) => {
  const ports = await cluster(handle)
  const none = bodyOf(await handle(request('POST', CLAIMS, { body: claim('before') }), ports))
  t.equal(none.status, 201)
  t.notOk('storageClassName' in none.body.spec, 'no default class yet: left without one')

  t.equal(bodyOf(await handle(request('POST', CLASSES, { body: DEFAULT_STORAGE_CLASS }), ports)).status, 201)
  const cases: [string, ReturnType<typeof claim>, string | undefined][] = [
    ['no class named: the default', claim('a'), 'local'],
    ['a class named: kept', claim('b', { storageClassName: 'fast' }), 'fast'],
    ['"" (no class, on purpose): kept', claim('c', { storageClassName: '' }), ''],
    ['the beta annotation names one: left alone', claim('d', {}, { 'volume.beta.kubernetes.io/storage-class': 'slow' }), undefined],
  ]
  for (const [name, body, want] of cases) {
    const created = bodyOf(await handle(request('POST', CLAIMS, { body }), ports))
    t.equal(created.status, 201, name)
    t.equal(created.body.spec.storageClassName, want, name)
  }
})

t.test('default storage class - of several marked default, the newest (then by name)', async (t) => {
  t.equal(defaultClassName([marked('old', '2026-01-01T00:00:00Z'), marked('new', '2026-02-01T00:00:00Z'), { metadata: { name: 'plain' } }]), 'new')
  t.equal(defaultClassName([marked('b', '2026-01-01T00:00:00Z'), marked('a', '2026-01-01T00:00:00Z')]), 'a')
  t.equal(defaultClassName([{ metadata: { name: 'plain', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } } }]), undefined, 'only "true" marks one')
  t.equal(defaultClassName([{ metadata: { name: 'beta', annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } } }]), 'beta', 'the beta annotation counts')
})
