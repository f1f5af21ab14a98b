/** The kubelet's reads of a container's env objects: one GET per ConfigMap/Secret over the API, answered to the pod actor as cri.envObjectsRead. */
import t from 'tap'
import { createActor, sendTo, setup, type AnyEventObject } from 'xstate'
import type { CriReport } from '../../../actors/pod/pod-protocol.ts'
import { HollowRuntime } from '../../../runtime/cri/hollow/hollow-runtime.ts'
import { podRuntimeLogic } from '../../../runtime/cri/pod-runtime.ts'
import { apiEnvObjects, type EnvObjectReader } from '../../../runtime/kubelet/env-objects.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'

/** A stand-in for ApiClient.call over a few stored objects (as the apiserver answers them). */
function fakeApi(objects: Record<string, unknown>, failing: Record<string, Error> = {}) {
  const calls: string[] = []
  return {
    calls,
    async call(method: string, path: string): Promise<{ status: number; body: unknown }> {
      calls.push(`${method} ${path}`)
      const failure = failing[path]
      if (failure) throw failure
      if (path in objects) return { status: 200, body: objects[path] }
      if (path.includes('/forbidden')) return { status: 403, body: { kind: 'Status', message: 'configmaps "forbidden" is forbidden' } }
      return { status: 404, body: { kind: 'Status', message: `${path.split('/').at(-2)} "${path.split('/').at(-1)}" not found` } }
    },
  }
}

const OBJECTS = {
  '/api/v1/namespaces/games/configmaps/game': { kind: 'ConfigMap', metadata: { name: 'game' }, data: { lives: '3', mode: 'easy' } },
  '/api/v1/namespaces/games/secrets/pw': { kind: 'Secret', metadata: { name: 'pw' }, data: { password: Buffer.from('hunter2').toString('base64') } },
}

t.test('env objects - one GET each in the pod namespace: data (a Secret decoded), not found, or the error', async (t) => {
  const api = fakeApi(OBJECTS, { '/api/v1/namespaces/games/secrets/slow': new Error('request timed out after 5000 ms') })
  const read = await apiEnvObjects(api).read('games', [
    { kind: 'configmap', name: 'game' },
    { kind: 'secret', name: 'pw' },
    { kind: 'configmap', name: 'missing' },
    { kind: 'configmap', name: 'forbidden' },
    { kind: 'secret', name: 'slow' },
  ])
  t.strictSame(read, {
    'configmap/game': { data: { lives: '3', mode: 'easy' } },
    'secret/pw': { data: { password: 'hunter2' } },
    'configmap/missing': { notFound: true },
    'configmap/forbidden': { error: 'configmaps "forbidden" is forbidden' },
    'secret/slow': { error: 'request timed out after 5000 ms' },
  })
  t.strictSame(api.calls, [
    'GET /api/v1/namespaces/games/configmaps/game',
    'GET /api/v1/namespaces/games/secrets/pw',
    'GET /api/v1/namespaces/games/configmaps/missing',
    'GET /api/v1/namespaces/games/configmaps/forbidden',
    'GET /api/v1/namespaces/games/secrets/slow',
  ])
})

/** A pod's runtime child (pod-runtime.ts) with `reader`, sent one cri.readEnvObjects; its answer. */
async function readThroughRuntime(t: { teardown(fn: () => unknown): void }, reader: EnvObjectReader | undefined): Promise<CriReport> {
  const pod = { metadata: { name: 'web', namespace: 'games', uid: 'uid-web' }, spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox' }] } }
  let answer: (report: CriReport) => void = () => {}
  const answered = new Promise<CriReport>((resolve) => (answer = resolve))
  const parent = setup({ types: { events: {} as AnyEventObject }, actors: { runtime: podRuntimeLogic(new HollowRuntime({ clock: new VirtualClock(0) }), undefined, undefined, reader) } }).createMachine({
    invoke: { id: 'runtime', src: 'runtime', input: { pod, nodeName: 'node-1', hostIP: '10.0.0.1' } },
    entry: sendTo('runtime', { type: 'cri.readEnvObjects', name: 'app', namespace: 'games', refs: [{ kind: 'configmap', name: 'game' }, { kind: 'secret', name: 'pw' }] }),
    on: { 'cri.envObjectsRead': { actions: ({ event }) => answer(event as CriReport) } },
  })
  const actor = createActor(parent)
  actor.start()
  t.teardown(() => actor.stop())
  return answered
}

t.test('env objects - the runtime child answers cri.readEnvObjects with what its reader found', async (t) => {
  t.strictSame(await readThroughRuntime(t, apiEnvObjects(fakeApi(OBJECTS))), {
    type: 'cri.envObjectsRead',
    name: 'app',
    objects: { 'configmap/game': { data: { lives: '3', mode: 'easy' } }, 'secret/pw': { data: { password: 'hunter2' } } },
  })
  t.strictSame(await readThroughRuntime(t, undefined), { type: 'cri.envObjectsRead', name: 'app', objects: {} }, 'no reader: nothing read (the pod actor says no kubeClient)')
})
