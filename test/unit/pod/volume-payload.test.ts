/**
 * The files of configMap, secret and projected volumes (actors/pod/volume-payload.ts) and the
 * objects a pod's volumes read (volume-sources.ts): every key or the items named, modes, optional,
 * and Kubernetes' FailedMount messages. Table-driven, no I/O.
 */
import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import { volumePayload, type DataObject, type Payload } from '../../../actors/pod/volume-payload.ts'
import { objectKey, podVolumeObjects, uniqueObjects, type ObjectRef, type ObjectVolume } from '../../../actors/pod/volume-sources.ts'

const GAME: DataObject = { data: { 'game.properties': 'lives=3\n', 'ui.properties': 'color=red\n' }, binaryData: { 'logo.bin': 'AAEC' } }
const CREDS: DataObject = { data: { username: 'YWRtaW4=', password: 'czNjcmV0' } }
const objects = (ref: ObjectRef): DataObject | undefined => ({ 'configmap/default/game': GAME, 'secret/default/creds': CREDS } as Record<string, DataObject>)[objectKey(ref)]

function pod(volumes: readonly ObjectVolume[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web', tier: 'front' } },
    spec: { containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '64Mi' } } }], volumes } as Pod['spec'],
  }
}

const payloadOf = (volume: ObjectVolume, tokens?: Record<string, string>): Payload => volumePayload(volume, pod([volume]), { objects, ...(tokens ? { tokens } : {}) })
const files = (payload: Payload) => ('files' in payload ? payload.files.map((f) => `${f.path} ${f.encoding}:${f.content} ${f.mode.toString(8)}`) : payload.error)

t.test('volume payload - configMap and secret', async (t) => {
  const cases: [string, ObjectVolume, string[] | string][] = [
    ['every key, data and binaryData, sorted, 0644', { name: 'config', configMap: { name: 'game' } }, ['game.properties utf8:lives=3\n 644', 'logo.bin base64:AAEC 644', 'ui.properties utf8:color=red\n 644']],
    ['items: key -> nested path, item mode over defaultMode', { name: 'config', configMap: { name: 'game', defaultMode: 0o400, items: [{ key: 'game.properties', path: 'conf/game.ini' }, { key: 'ui.properties', path: 'ui', mode: 0o600 }] } }, ['conf/game.ini utf8:lives=3\n 400', 'ui utf8:color=red\n 600']],
    ['secret data stays base64 (decoded when written)', { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o440 } }, ['password base64:czNjcmV0 440', 'username base64:YWRtaW4= 440']],
    ['missing configmap', { name: 'config', configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "config" : configmap "nope" not found'],
    ['missing secret', { name: 'creds', secret: { secretName: 'nope' } }, 'MountVolume.SetUp failed for volume "creds" : secret "nope" not found'],
    ['missing optional configmap: empty', { name: 'config', configMap: { name: 'nope', optional: true } }, []],
    ['missing key', { name: 'config', configMap: { name: 'game', items: [{ key: 'nope', path: 'x' }] } }, 'MountVolume.SetUp failed for volume "config" : configmap references non-existent config key: nope'],
    ['missing secret key', { name: 'creds', secret: { secretName: 'creds', items: [{ key: 'nope', path: 'x' }] } }, 'MountVolume.SetUp failed for volume "creds" : references non-existent secret key: nope'],
    ['missing key, optional: left out', { name: 'config', configMap: { name: 'game', optional: true, items: [{ key: 'nope', path: 'x' }, { key: 'ui.properties', path: 'ui' }] } }, ['ui utf8:color=red\n 644']],
    ['a path leaving the volume', { name: 'config', configMap: { name: 'game', items: [{ key: 'ui.properties', path: '../escape' }] } }, `MountVolume.SetUp failed for volume "config" : invalid path "../escape": must be relative and may not contain '..'`],
  ]
  for (const [name, volume, want] of cases) t.same(files(payloadOf(volume)), want, name)
})

t.test('volume payload - projected', async (t) => {
  const volume: ObjectVolume = {
    name: 'all',
    projected: {
      defaultMode: 0o640,
      sources: [
        { configMap: { name: 'game', items: [{ key: 'ui.properties', path: 'config/ui' }] } },
        { secret: { name: 'creds', items: [{ key: 'username', path: 'secret/user', mode: 0o400 }] } },
        { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { serviceAccountToken: { path: 'token', audience: 'vault' } },
      ],
    },
  }
  t.same(files(payloadOf(volume, { token: 'jwt' })), ['config/ui utf8:color=red\n 640', 'secret/user base64:YWRtaW4= 400', 'labels utf8:app="web"\ntier="front" 640', 'token utf8:jwt 640'])
  t.same(files(payloadOf(volume)), ['config/ui utf8:color=red\n 640', 'secret/user base64:YWRtaW4= 400', 'labels utf8:app="web"\ntier="front" 640'], 'no token to be had: its file left out')
  t.same(files(payloadOf({ name: 'all', projected: { sources: [{ secret: { name: 'nope' } }] } })), 'MountVolume.SetUp failed for volume "all" : secret "nope" not found')
  t.same(files(payloadOf({ name: 'all', projected: { sources: [{ secret: { name: 'nope', optional: true } }] } })), [])
})

t.test('volume sources - the objects a pod reads, each once', async (t) => {
  const p = pod([
    { name: 'a', configMap: { name: 'game' } },
    { name: 'b', configMap: { name: 'game', items: [{ key: 'ui.properties', path: 'ui' }] } },
    { name: 'c', secret: { secretName: 'creds' } },
    { name: 'd', projected: { sources: [{ configMap: { name: 'other' } }, { secret: { name: 'creds' } }] } },
    { name: 'e', emptyDir: {} },
    { name: 'f', persistentVolumeClaim: { claimName: 'data' } } as ObjectVolume,
  ])
  t.same(podVolumeObjects(p).map(objectKey), ['configmap/default/game', 'secret/default/creds', 'configmap/default/other'])
  t.same(uniqueObjects([...podVolumeObjects(p), ...podVolumeObjects(p)]).length, 3, 'two pods naming the same objects: read once')
})
