/**
 * The kubelet's configMap, secret, emptyDir, downwardAPI and projected volumes
 * (runtime/kubelet/object-volumes.ts) on a temporary pod directory, with a fake API and a virtual
 * clock: files and variables at mount, FailedMount for a missing object, updates written by a
 * sync that reads each object once for all pods, subPath copies that stay, tokens renewed,
 * directories removed with the pod, hollow pods checked without files.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { flush } from '../../helpers/flush.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import type { ObjectVolume } from '../../../actors/pod/volume-sources.ts'
import { silentLogger } from '../../../runtime/log.ts'
import { ObjectVolumes } from '../../../runtime/kubelet/object-volumes.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'

const T0 = Date.parse('2026-12-07T01:00:00Z')

function fakeApi(objects: Record<string, unknown>) {
  const gets: string[] = []
  return {
    gets,
    objects,
    async call(method: string, path: string) {
      gets.push(`${method} ${path}`)
      const body = objects[path]
      return body === undefined ? { status: 404, body: { message: 'not found' } } : { status: 200, body }
    },
  }
}

function pod(uid: string, volumes: readonly ObjectVolume[], mounts: readonly { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${uid}`, namespace: 'default', uid, labels: { app: 'game' } },
    spec: { containers: [{ name: 'main', image: 'busybox', volumeMounts: mounts }], volumes } as unknown as Pod['spec'],
  }
}

const CM = '/api/v1/namespaces/default/configmaps/game'
const SECRET = '/api/v1/namespaces/default/secrets/creds'
const VOLUMES: readonly ObjectVolume[] = [
  { name: 'config', configMap: { name: 'game' } },
  { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
  { name: 'scratch', emptyDir: {} },
  { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
]

function setup(t: { teardown(fn: () => void): void; testdir(): string }, objects: Record<string, unknown> = { [CM]: { data: { 'game.properties': 'lives=3\n' } }, [SECRET]: { data: { password: 'czNjcmV0' } } }) {
  const api = fakeApi(objects)
  const clock = new VirtualClock(T0)
  const tokens: string[] = []
  const volumes = new ObjectVolumes({
    api,
    clock,
    log: silentLogger,
    syncMs: 10_000,
    issueToken: async (p, projection) => {
      tokens.push(`${p.metadata.name} ${projection.audience ?? ''}`)
      return { token: `token-${tokens.length}`, expiresAt: clock.now() + 3600_000 }
    },
  })
  t.teardown(() => volumes.close())
  return { api, clock, volumes, tokens, root: t.testdir() }
}

t.test('object volumes - files, variables and links at mount; removed with the pod', async (t) => {
  const { volumes, root } = setup(t)
  const dir = join(root, 'pod-1')
  const env = await volumes.mount(pod('1', VOLUMES, [
    { name: 'config', mountPath: 'etc/config' },
    { name: 'creds', mountPath: 'etc/creds', readOnly: true },
    { name: 'scratch', mountPath: 'scratch' },
    { name: 'info', mountPath: 'etc/podinfo' },
  ]), { dir })
  const config = join(dir, 'volumes/kubernetes.io~configmap/config')
  t.same(env, {
    ACTORKUBE_VOLUME_CONFIG: config,
    ACTORKUBE_VOLUME_CREDS: join(dir, 'volumes/kubernetes.io~secret/creds'),
    ACTORKUBE_VOLUME_SCRATCH: join(dir, 'volumes/kubernetes.io~empty-dir/scratch'),
    ACTORKUBE_VOLUME_INFO: join(dir, 'volumes/kubernetes.io~downward-api/info'),
  })
  t.equal(readFileSync(join(env.ACTORKUBE_VOLUME_CONFIG!, 'game.properties'), 'utf8'), 'lives=3\n')
  t.equal(readFileSync(join(dir, 'etc/config/game.properties'), 'utf8'), 'lives=3\n', 'through the relative mountPath')
  t.equal(readFileSync(join(dir, 'etc/creds/password'), 'utf8'), 's3cret', 'the secret decoded')
  t.equal(statSync(join(dir, 'etc/creds/password')).mode & 0o777, 0o400)
  t.equal(readFileSync(join(dir, 'etc/podinfo/labels'), 'utf8'), 'app="game"')
  t.ok(statSync(join(dir, 'scratch')).isDirectory(), 'emptyDir: a directory')
  writeFileSync(join(dir, 'scratch/x'), 'y')

  volumes.unmount('1')
  t.notOk(existsSync(join(dir, 'volumes/kubernetes.io~empty-dir/scratch')), "the emptyDir is gone with the pod")
  t.notOk(existsSync(config), 'and the configMap directory')
})

t.test('object volumes - a missing object fails the mount with FailedMount; optional does not', async (t) => {
  const { volumes, root } = setup(t, {})
  const error = await volumes.mount(pod('1', [{ name: 'config', configMap: { name: 'game' } }], [{ name: 'config', mountPath: 'c' }]), { dir: join(root, 'p') }).catch((e: unknown) => e as Error)
  t.equal((error as Error).name, 'FailedMount')
  t.equal((error as Error).message, 'MountVolume.SetUp failed for volume "config" : configmap "game" not found')
  const env = await volumes.mount(pod('2', [{ name: 'config', configMap: { name: 'game', optional: true } }], [{ name: 'config', mountPath: 'c' }]), { dir: join(root, 'q') })
  t.ok(existsSync(env.ACTORKUBE_VOLUME_CONFIG!), 'optional: an empty volume')
})

t.test('object volumes - a sync reads each object once and rewrites what changed; subPath copies stay', async (t) => {
  const { api, clock, volumes, root } = setup(t)
  const a = await volumes.mount(pod('a', VOLUMES, [{ name: 'config', mountPath: 'c' }, { name: 'config', mountPath: 'one', subPath: 'game.properties' }]), { dir: join(root, 'a') })
  await volumes.mount(pod('b', VOLUMES, [{ name: 'config', mountPath: 'c' }]), { dir: join(root, 'b') })
  t.equal(readFileSync(join(root, 'a/one'), 'utf8'), 'lives=3\n', 'a subPath mount of one key: the file')
  api.gets.length = 0
  api.objects[CM] = { data: { 'game.properties': 'lives=5\n', 'new.properties': 'x' } }
  clock.advance(10_000)
  // The timer started a sync; sync() hands back the one in flight, so this waits for it (no second read).
  await volumes.sync()
  t.same(api.gets.sort(), [`GET ${CM}`, `GET ${SECRET}`], 'one read per object for both pods')
  t.equal(readFileSync(join(root, 'a/c/game.properties'), 'utf8'), 'lives=5\n', 'pod a sees the edit')
  t.equal(readFileSync(join(root, 'b/c/new.properties'), 'utf8'), 'x', 'pod b sees the new key')
  t.equal(readFileSync(a.ACTORKUBE_VOLUME_CONFIG!, 'utf8'), 'lives=3\n', 'the subPath copy does not update, as upstream')

  delete api.objects[CM]
  await volumes.sync()
  t.equal(readFileSync(join(root, 'a/c/game.properties'), 'utf8'), 'lives=5\n', 'a deleted object: the last files stay')
  volumes.unmount('a')
  volumes.unmount('b')
  api.gets.length = 0
  clock.advance(30_000)
  await flush(3)
  t.same(api.gets, [], 'no pods mounted: nothing read')
})

t.test('object volumes - projected: configMap, downwardAPI and a token renewed at 80% of its life', async (t) => {
  const { clock, volumes, tokens, root } = setup(t)
  const projected: ObjectVolume = { name: 'all', projected: { sources: [{ configMap: { name: 'game' } }, { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }, { serviceAccountToken: { path: 'token', audience: 'vault' } }] } }
  const env = await volumes.mount(pod('p', [projected], [{ name: 'all', mountPath: 'all' }]), { dir: join(root, 'p') })
  t.equal(readFileSync(join(env.ACTORKUBE_VOLUME_ALL!, 'token'), 'utf8'), 'token-1')
  t.equal(readFileSync(join(root, 'p/all/name'), 'utf8'), 'pod-p')
  t.equal(readFileSync(join(root, 'p/all/game.properties'), 'utf8'), 'lives=3\n')
  t.same(tokens, ['pod-p vault'])
  clock.advance(0.8 * 3600_000 - 10_000)
  await volumes.sync()
  t.equal(tokens.length, 1, 'not renewed before 80%')
  clock.advance(10_000)
  await volumes.sync()
  t.equal(readFileSync(join(root, 'p/all/token'), 'utf8'), 'token-2', 'renewed and written')
})

t.test('object volumes - hollow pods: objects checked, nothing written', async (t) => {
  const { volumes, tokens } = setup(t)
  t.same(await volumes.mount(pod('h', VOLUMES, [{ name: 'config', mountPath: '/etc/config' }]), {}), {})
  t.same(tokens, [], 'no tokens for pods that run nothing')
  const error = await volumes.mount(pod('h2', [{ name: 'creds', secret: { secretName: 'nope' } }], []), {}).catch((e: unknown) => e as Error)
  t.equal((error as Error).message, 'MountVolume.SetUp failed for volume "creds" : secret "nope" not found')
  t.notOk(existsSync('/etc/config/game.properties'))
})
