/**
 * @kubernetes/client-node (the official JavaScript client, written by nobody here) as a second
 * real client of `actorkube up` (kubectl is the first, see kubectl.test.ts): 3 masters, reached
 * through the kubeconfig `up` writes, loaded with KubeConfig.loadFromFile. CoreV1Api and
 * AppsV1Api: namespaces, ConfigMap and Pod create/read/replace/patch/delete, label selectors,
 * a stale replace (409) and an invalid Pod (422) as ApiException with the Status body, the
 * Deployment scale subresource, and client-node's Watch.
 *
 * Installed version: 1.4.0 (2.x needs undici 8, i.e. Node >= 22.19). In 1.x every API method
 * takes one request object and throws ApiException whose .code is the HTTP status and whose
 * .body is the response text (the Status JSON, unparsed). Patch methods pick the first
 * content type the OpenAPI lists, application/json-patch+json, unless a Content-Type header is
 * set through setHeaderOptions (PatchStrategy.MergePatch below).
 */
import { join } from 'node:path'
import t from 'tap'
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node'
import type { V1ConfigMap, V1Deployment, V1Pod, V1Status } from '@kubernetes/client-node'
import { startUp } from '../helpers/up-process.ts'
import { withTimeout } from '../helpers/wait.ts'

t.setTimeout(60_000)

const { stateDir, output } = await startUp(t, ['--masters', '3', '--workers', '0', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-client-node-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 45_000, what: '"actorkube ready"' })

const kc = new KubeConfig()
kc.loadFromFile(join(stateDir, 'kubeconfig'))
const core = kc.makeApiClient(CoreV1Api)
const apps = kc.makeApiClient(AppsV1Api)
const namespace = 'default'
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

/** Every call is bounded so a hung server fails the test instead of stalling it. */
function bounded<T>(what: string, call: Promise<T>): Promise<T> {
  return withTimeout(call, 10_000, what)
}

interface Refusal {
  readonly code: number
  readonly status: V1Status
}

/** Runs a call that must fail and returns the ApiException's code and its body parsed as a Status. */
async function refusal(what: string, call: Promise<unknown>): Promise<Refusal> {
  try {
    await bounded(what, call)
  } catch (error) {
    if (!(error instanceof ApiException)) throw error
    const body: unknown = error.body
    const status = (typeof body === 'string' && body !== '' ? JSON.parse(body) : body) as V1Status
    return { code: error.code, status }
  }
  throw new Error(`${what} succeeded but should have been refused`)
}

const configMap = (name: string, data: Record<string, string>, labels: Record<string, string> = {}): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
})

/** A Pod with one container; `image: null` leaves the image out. */
const pod = (name: string, labels: Record<string, string>, image: string | null = 'nginx:1.27'): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [image === null ? { name: 'app' } : { name: 'app', image }] },
})

t.test('client-node - namespaces: the system namespaces are listed and Active', async (t) => {
  const list = await bounded('listNamespace', core.listNamespace())
  const names = list.items.map((n) => n.metadata?.name)
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) t.ok(names.includes(ns), `${ns} is listed`)
  t.equal(list.items.find((n) => n.metadata?.name === 'default')?.status?.phase, 'Active')
  t.match(list.metadata?.resourceVersion, /^\d+$/, 'the list carries a resourceVersion')
  const one = await bounded('readNamespace', core.readNamespace({ name: 'kube-system' }))
  t.equal(one.metadata?.name, 'kube-system')
})

t.test('client-node - ConfigMap: create, read, stale replace (409), replace, merge patch, JSON patch, delete', async (t) => {
  const created = await bounded('create', core.createNamespacedConfigMap({ namespace, body: configMap('settings', { mode: 'a' }, { app: 'settings' }) }))
  t.match(created.metadata, { name: 'settings', namespace, uid: /^[0-9a-f-]{36}$/, resourceVersion: /^\d+$/ })
  t.ok(created.metadata?.creationTimestamp instanceof Date, 'creationTimestamp parses as a date')

  const again = await refusal('create again', core.createNamespacedConfigMap({ namespace, body: configMap('settings', { mode: 'a' }) }))
  t.equal(again.code, 409)
  t.match(again.status, { kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409 })

  const read = await bounded('read', core.readNamespacedConfigMap({ name: 'settings', namespace }))
  t.same(read.data, { mode: 'a' })
  t.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion)

  const replaced = await bounded('replace', core.replaceNamespacedConfigMap({ name: 'settings', namespace, body: { ...read, data: { mode: 'b' } } }))
  t.same(replaced.data, { mode: 'b' })
  t.not(replaced.metadata?.resourceVersion, read.metadata?.resourceVersion, 'the replace moved the resourceVersion')

  const stale = await refusal('stale replace', core.replaceNamespacedConfigMap({ name: 'settings', namespace, body: { ...read, data: { mode: 'stale' } } }))
  t.equal(stale.code, 409)
  t.match(stale.status, { kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409, details: { name: 'settings', kind: 'configmaps' } })
  t.match(stale.status.message, /Operation cannot be fulfilled on configmaps "settings": the object has been modified/)
  t.same((await bounded('read', core.readNamespacedConfigMap({ name: 'settings', namespace }))).data, { mode: 'b' }, 'the stale replace changed nothing')

  const merged = await bounded('merge patch', core.patchNamespacedConfigMap({ name: 'settings', namespace, body: { metadata: { labels: { tier: 'front' } }, data: { extra: 'x' } } }, mergePatch))
  t.same(merged.data, { mode: 'b', extra: 'x' }, 'a merge patch merges data')
  t.same(merged.metadata?.labels, { app: 'settings', tier: 'front' }, 'and labels')
  const removed = await bounded('merge patch null', core.patchNamespacedConfigMap({ name: 'settings', namespace, body: { data: { extra: null } } }, mergePatch))
  t.same(removed.data, { mode: 'b' }, 'null in a merge patch removes the key')

  // Without a Content-Type option client-node sends application/json-patch+json.
  const jsonPatched = await bounded('json patch', core.patchNamespacedConfigMap({ name: 'settings', namespace, body: [{ op: 'replace', path: '/data/mode', value: 'c' }] }))
  t.same(jsonPatched.data, { mode: 'c' }, 'the default patch type is a JSON patch')

  const deleted = await bounded('delete', core.deleteNamespacedConfigMap({ name: 'settings', namespace }))
  t.ok(deleted, 'delete answers with a body')
  const gone = await refusal('read deleted', core.readNamespacedConfigMap({ name: 'settings', namespace }))
  t.equal(gone.code, 404)
  t.match(gone.status, { kind: 'Status', reason: 'NotFound', code: 404, message: 'configmaps "settings" not found' })
  const missing = await refusal('delete missing', core.deleteNamespacedConfigMap({ name: 'settings', namespace }))
  t.equal(missing.code, 404)
})

t.test('client-node - Pods: create, read (defaults), list with labelSelector, patch, replace, delete', async (t) => {
  await bounded('create web', core.createNamespacedPod({ namespace, body: pod('web', { app: 'web', tier: 'front' }) }))
  await bounded('create db', core.createNamespacedPod({ namespace, body: pod('db', { app: 'db', tier: 'back' }) }))

  const web = await bounded('read web', core.readNamespacedPod({ name: 'web', namespace }))
  t.equal(web.kind, 'Pod')
  t.equal(web.spec?.restartPolicy, 'Always', 'defaulted')
  t.equal(web.spec?.containers[0]?.image, 'nginx:1.27')
  t.equal(web.status?.phase, 'Pending', 'no workers: the pod stays Pending')

  const names = async (labelSelector?: string) => (await bounded(`list ${labelSelector ?? ''}`, core.listNamespacedPod({ namespace, ...(labelSelector === undefined ? {} : { labelSelector }) }))).items.map((p) => p.metadata?.name).sort()
  t.same(await names(), ['db', 'web'])
  t.same(await names('app=web'), ['web'])
  t.same(await names('tier in (front,back)'), ['db', 'web'])
  t.same(await names('tier!=front'), ['db'])
  t.same(await names('app=nothing'), [])
  const all = await bounded('list all namespaces', core.listPodForAllNamespaces({ labelSelector: 'app' }))
  t.same(all.items.map((p) => p.metadata?.name).sort(), ['db', 'web'], 'listPodForAllNamespaces with an exists selector')

  const patched = await bounded('patch web', core.patchNamespacedPod({ name: 'web', namespace, body: { metadata: { labels: { canary: 'true' } } } }, mergePatch))
  t.same(patched.metadata?.labels, { app: 'web', tier: 'front', canary: 'true' })
  t.same(await names('canary=true'), ['web'])

  const replaced = await bounded('replace web', core.replaceNamespacedPod({ name: 'web', namespace, body: { ...patched, metadata: { ...patched.metadata, annotations: { note: 'replaced' } } } }))
  t.equal(replaced.metadata?.annotations?.note, 'replaced')
  const stale = await refusal('stale pod replace', core.replaceNamespacedPod({ name: 'web', namespace, body: patched }))
  t.equal(stale.code, 409)
  t.match(stale.status, { kind: 'Status', reason: 'Conflict', code: 409 })

  await bounded('delete web', core.deleteNamespacedPod({ name: 'web', namespace }))
  await bounded('delete db', core.deleteNamespacedPod({ name: 'db', namespace }))
  t.same(await names(), [], 'both pods are gone')
})

t.test('client-node - an invalid Pod (no image) is 422 with the field in details.causes', async (t) => {
  const invalid = await refusal('create invalid pod', core.createNamespacedPod({ namespace, body: pod('bad', { app: 'bad' }, null) }))
  t.equal(invalid.code, 422)
  t.match(invalid.status, { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'bad', kind: 'Pod' } })
  t.equal(invalid.status.details?.causes?.[0]?.field, 'spec.containers[0].image')
  t.match(invalid.status.message, 'spec.containers[0].image: Required value')
  const gone = await refusal('read invalid pod', core.readNamespacedPod({ name: 'bad', namespace }))
  t.equal(gone.code, 404, 'nothing was stored')
})

t.test('client-node - Deployment: create, read and patch the scale subresource', async (t) => {
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  }
  const created = await bounded('create deployment', apps.createNamespacedDeployment({ namespace, body: deployment }))
  t.equal(created.spec?.replicas, 2)

  const scale = await bounded('read scale', apps.readNamespacedDeploymentScale({ name: 'web', namespace }))
  t.match(scale, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace }, spec: { replicas: 2 } })

  const patched = await bounded('patch scale', apps.patchNamespacedDeploymentScale({ name: 'web', namespace, body: { spec: { replicas: 4 } } }, mergePatch))
  t.equal(patched.spec?.replicas, 4)
  t.equal((await bounded('read scale', apps.readNamespacedDeploymentScale({ name: 'web', namespace }))).spec?.replicas, 4)
  t.equal((await bounded('read deployment', apps.readNamespacedDeployment({ name: 'web', namespace }))).spec?.replicas, 4, 'the deployment follows its scale')

  // The controller manager keeps writing the deployment's status, so a replace carrying a
  // resourceVersion races it (409, as in Kubernetes); without one it is unconditional.
  const { resourceVersion: _stale, ...metadata } = patched.metadata ?? {}
  const replaced = await bounded('replace scale', apps.replaceNamespacedDeploymentScale({ name: 'web', namespace, body: { ...patched, metadata, spec: { replicas: 1 } } }))
  t.equal(replaced.spec?.replicas, 1)

  const listed = await bounded('list deployments', apps.listNamespacedDeployment({ namespace }))
  t.same(listed.items.map((d) => d.metadata?.name), ['web'])
  await bounded('delete deployment', apps.deleteNamespacedDeployment({ name: 'web', namespace }))
  const gone = await refusal('read deleted deployment', apps.readNamespacedDeploymentScale({ name: 'web', namespace }))
  t.equal(gone.code, 404)
})

/** Starts client-node's Watch on `path`; events and the end are recorded, `until` waits for one. */
function startWatch(path: string, query: Record<string, string>) {
  const events: { phase: string; name: string | undefined }[] = []
  const waiters = new Set<() => void>()
  let ended: { error: unknown } | undefined
  const wake = (): void => {
    for (const w of waiters) w()
  }
  const started = new Watch(kc).watch(
    path,
    query,
    (phase, object: V1ConfigMap) => {
      events.push({ phase, name: object.metadata?.name })
      wake()
    },
    (error: unknown) => {
      ended = { error }
      wake()
    },
  )
  const until = (phase: string, name: string, ms = 15_000) =>
    withTimeout(
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (events.some((e) => e.phase === phase && e.name === name)) {
            waiters.delete(check)
            resolve()
          } else if (ended) {
            waiters.delete(check)
            reject(new Error(`the watch ended before ${phase} ${name}: ${String(ended.error)}`))
          }
        }
        waiters.add(check)
        check()
      }),
      ms,
      `${phase} ${name}`,
    )
  return { events, started, until, ended: () => ended }
}

t.test('client-node - Watch on configmaps sees ADDED and DELETED for an object made during the test', async (t) => {
  // As client-node's informers do: list for a resourceVersion, then watch from it, so an object
  // created once the list has answered is seen whenever the watch's request reaches the server.
  const list = await bounded('list configmaps', core.listNamespacedConfigMap({ namespace }))
  const resourceVersion = list.metadata?.resourceVersion ?? ''
  t.match(resourceVersion, /^\d+$/)
  const w = startWatch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion })
  // watch() resolves only once the response headers arrive; do not await it before an event exists.
  t.teardown(async () => (await w.started).abort())
  await bounded('create live', core.createNamespacedConfigMap({ namespace, body: configMap('live', { x: '1' }) }))
  await w.until('ADDED', 'live')
  await bounded('delete live', core.deleteNamespacedConfigMap({ name: 'live', namespace }))
  await w.until('DELETED', 'live')
  const live = w.events.filter((e) => e.name === 'live').map((e) => e.phase)
  t.same([live[0], live.at(-1)], ['ADDED', 'DELETED'], 'ADDED came first and DELETED last')
  t.equal(w.ended(), undefined, 'the watch is still open')
  await bounded('watch to have started', w.started)
})

t.test('client-node - a watch with nothing to report yet answers its headers at once', async (t) => {
  // kube-apiserver flushes a watch's 200 and headers immediately. client-node's Watch.watch()
  // (and any fetch-based client) resolves only when they arrive, so code that awaits it before
  // making a change waits forever when the server holds the headers back until the first event.
  const w = startWatch('/api/v1/namespaces/kube-public/configmaps', {})
  const answered = await withTimeout(w.started, 3000, 'the watch response headers').then(
    (controller) => {
      controller.abort()
      return true
    },
    () => false,
  )
  // Regression: the server once held the headers back until the first event.
  t.ok(answered, 'Watch.watch() resolved within 3 s on a watch with no events')
  if (!answered) {
    // Release the pending request: an event in kube-public makes the server send the headers.
    await bounded('create poke', core.createNamespacedConfigMap({ namespace: 'kube-public', body: configMap('poke', {}) }))
    ;(await bounded('watch to start after an event', w.started)).abort()
    await bounded('delete poke', core.deleteNamespacedConfigMap({ name: 'poke', namespace: 'kube-public' }))
  }
})

t.test('client-node - a wrong token is 401', async (t) => {
  const bad = new KubeConfig()
  bad.loadFromFile(join(stateDir, 'kubeconfig'))
  const user = bad.getCurrentUser()
  t.ok(user, 'the kubeconfig names a user')
  bad.users = bad.users.map((u) => (u.name === user?.name ? { ...u, token: 'not-the-token' } : u))
  const r = await refusal('list with a wrong token', bad.makeApiClient(CoreV1Api).listNamespacedPod({ namespace }))
  t.equal(r.code, 401)
})
