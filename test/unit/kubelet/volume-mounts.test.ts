/**
 * How a process pod's volume reaches its containers (runtime/kubelet/volume-mounts.ts): the
 * variable always; the mountPath as a link where no root is needed; links removed only while
 * they still point at the pod's volumes. Real files in a temporary directory.
 */
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { joinVolumes } from '../../../runtime/kubelet/joined-volumes.ts'
import { mountVolumes, unmountVolumes, volumeEnvName } from '../../../runtime/kubelet/volume-mounts.ts'
import type { Pod } from '../../../actors/kube/objects.ts'

t.test('volume mounts - the variable names', async (t) => {
  const cases: [string, string][] = [
    ['www', 'ACTORKUBE_VOLUME_WWW'],
    ['data-dir', 'ACTORKUBE_VOLUME_DATA_DIR'],
    ['a.b', 'ACTORKUBE_VOLUME_A_B'],
  ]
  for (const [volume, want] of cases) t.equal(volumeEnvName(volume), want, volume)
})

t.test('volume mounts - variable, links where allowed, subPath, and their removal', async (t) => {
  const root = t.testdir()
  const volume = join(root, 'volumes', 'pvc-1')
  mkdirSync(volume, { recursive: true })
  const podDir = join(root, 'pod')
  mkdirSync(podDir)
  mkdirSync(join(root, 'mnt'))
  mkdirSync(join(root, 'taken'))
  symlinkSync(join(root, 'elsewhere'), join(root, 'mnt', 'stale'))
  const volumes = [{ name: 'data', path: volume }]
  const mounted = mountVolumes(
    volumes,
    [
      { name: 'data', mountPath: join(root, 'mnt', 'data') },
      { name: 'data', mountPath: 'rel/data' },
      { name: 'data', mountPath: join(root, 'missing-parent', 'data') },
      { name: 'data', mountPath: join(root, 'taken') },
      { name: 'data', mountPath: join(root, 'mnt', 'stale') },
      { name: 'other', mountPath: join(root, 'mnt', 'other') },
    ],
    podDir,
  )
  t.same(mounted.env, { ACTORKUBE_VOLUME_DATA: volume }, 'the directory in the variable; a volume the pod lacks gets none')
  t.equal(readlinkSync(join(root, 'mnt', 'data')), volume, 'an absolute mountPath whose parent is writable: a link')
  t.equal(readlinkSync(join(podDir, 'rel', 'data')), volume, "a relative one: in the pod's directory")
  t.throws(() => lstatSync(join(root, 'missing-parent')), 'no parents made outside the pod')
  t.ok(lstatSync(join(root, 'taken')).isDirectory() && !lstatSync(join(root, 'taken')).isSymbolicLink(), 'an existing directory is left alone')
  t.equal(readlinkSync(join(root, 'mnt', 'stale')), volume, 'an existing link is pointed at the volume')
  t.same(mounted.links.sort(), [join(root, 'mnt', 'data'), join(root, 'mnt', 'stale')], 'absolute links are returned for removal')

  const sub = mountVolumes(volumes, [{ name: 'data', mountPath: join(root, 'mnt', 'sub'), subPath: 'a/b' }], podDir)
  t.same(sub.env, { ACTORKUBE_VOLUME_DATA: join(volume, 'a/b') }, 'subPath appended')
  t.ok(lstatSync(join(volume, 'a/b')).isDirectory(), 'and made')

  symlinkSync(join(root, 'elsewhere'), join(root, 'mnt', 'foreign'))
  unmountVolumes([...mounted.links, join(root, 'mnt', 'foreign')], volumes)
  t.throws(() => lstatSync(join(root, 'mnt', 'data')), 'its links go')
  t.equal(readlinkSync(join(root, 'mnt', 'foreign')), join(root, 'elsewhere'), 'a link pointing elsewhere stays')
})

t.test('volume mounts - a subPath naming a file; a snapshot for volumes the kubelet rewrites', async (t) => {
  const root = t.testdir({ vol: { 'game.properties': 'lives=3' }, pod: {}, mnt: {} })
  const volumes = [{ name: 'config', path: join(root, 'vol'), snapshotSubPaths: true }, { name: 'live', path: join(root, 'vol') }]
  const mounted = mountVolumes(
    volumes,
    [
      { name: 'config', mountPath: join(root, 'mnt', 'game'), subPath: 'game.properties' },
      { name: 'live', mountPath: join(root, 'mnt', 'live'), subPath: 'game.properties' },
    ],
    join(root, 'pod'),
  )
  const copy = join(root, 'pod', 'volume-subpaths', 'config', '0', 'game.properties')
  t.same(mounted.env, { ACTORKUBE_VOLUME_CONFIG: copy, ACTORKUBE_VOLUME_LIVE: join(root, 'vol', 'game.properties') }, 'a copy in the pod for the rewritten volume; the file itself otherwise')
  t.equal(readlinkSync(join(root, 'mnt', 'game')), copy, 'the mountPath links to the file')
  writeFileSync(join(root, 'vol', 'game.properties'), 'lives=5')
  t.equal(readFileSync(join(root, 'mnt', 'game'), 'utf8'), 'lives=3', 'the copy does not follow updates')
  t.equal(readFileSync(join(root, 'mnt', 'live'), 'utf8'), 'lives=5')
})

t.test('joined volumes - environments joined in order, all unmounted', async (t) => {
  const unmounted: string[] = []
  const kind = (name: string, env: Record<string, string>) => ({
    mount: async () => env,
    unmount: (uid: string) => void unmounted.push(`${name}:${uid}`),
  })
  t.equal(joinVolumes(undefined, undefined), undefined, 'none: none')
  const only = kind('a', {})
  t.equal(joinVolumes(undefined, only), only, 'one: itself')
  const joined = joinVolumes(kind('a', { A: '1', X: 'a' }), undefined, kind('b', { B: '2', X: 'b' }))!
  t.same(await joined.mount({ metadata: {}, spec: { containers: [] } } as Pod, {}), { A: '1', B: '2', X: 'b' }, 'a later kind wins')
  joined.unmount('u1')
  t.same(unmounted, ['a:u1', 'b:u1'])
})
