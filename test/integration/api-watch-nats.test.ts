/**
 * Watches over NATS against `actorkube up` with 3 masters: an actor's watch gets the current
 * objects and then every change in order; selectors filter; a bad request is a clear error; and
 * when the apiserver serving the watch is killed, the watch resumes at another one from its last
 * resourceVersion, with nothing lost and nothing repeated.
 */
import { join } from 'node:path'
import t from 'tap'
import type { WatchEvent } from '../../runtime/apiserver/api-watch.ts'
import { pidsWithArgument } from '../helpers/processes.ts'
import { upWithApi } from '../helpers/up-api.ts'
import { waitFor } from '../helpers/wait.ts'

const { stateDir, info, api } = await upWithApi(t, 'ak-natswatch-', { timeoutMs: 1000, watchKeepAliveMs: 500 })

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps'
const configMap = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { v: '0' } })
const line = (e: WatchEvent) => `${e.type} ${e.object.metadata?.name} ${(e.object.data as { v?: string } | undefined)?.v ?? ''}`
/** The test's own ConfigMaps: every namespace also has the controller manager's kube-root-ca.crt, made whenever it gets to it. */
const ours = (events: readonly WatchEvent[]) => events.filter((e) => e.object.metadata?.name !== 'kube-root-ca.crt')

t.test('api watch over NATS - current objects, then changes in order; a selector filters', async (t) => {
  await api.create(CONFIGMAPS, configMap('first', { tier: 'a' }))
  const all: string[] = []
  const selected: string[] = []
  const watch = await api.watch(CONFIGMAPS, {}, { onEvents: (events) => all.push(...ours(events).map(line)) })
  t.teardown(() => watch.cancel())
  const tierA = await api.watch(CONFIGMAPS, { labelSelector: 'tier=a' }, { onEvents: (events) => selected.push(...ours(events).map(line)) })
  t.teardown(() => tierA.cancel())
  t.match(watch.resourceVersion, /^\d+$/, 'the watch knows the version it follows from')
  await api.create(CONFIGMAPS, configMap('second', { tier: 'b' }))
  await api.patch(`${CONFIGMAPS}/first`, { data: { v: '1' } })
  await api.patch(`${CONFIGMAPS}/second`, { metadata: { labels: { tier: 'a' } } })
  await api.delete(`${CONFIGMAPS}/first`)
  await waitFor(() => (all.length >= 5 && selected.length >= 4) || undefined, { timeoutMs: 10_000, what: 'watch events' })
  t.same(all, ['ADDED first 0', 'ADDED second 0', 'MODIFIED first 1', 'MODIFIED second 0', 'DELETED first 1'])
  t.same(selected, ['ADDED first 0', 'MODIFIED first 1', 'ADDED second 0', 'DELETED first 1'], 'relabeled into the selection: ADDED')
  await api.delete(`${CONFIGMAPS}/second`)
})

t.test('api watch over NATS - a bad selector or a missing resource is refused at once', async (t) => {
  await t.rejects(api.watch(CONFIGMAPS, { labelSelector: 'a in b' }, { onEvents: () => {} }), { name: 'WatchEndedError', status: 400 })
  await t.rejects(api.watch('/api/v1/namespaces/default/nothings', {}, { onEvents: () => {} }), { name: 'WatchEndedError', status: 404 })
})

t.test('api watch over NATS - the serving apiserver is killed: the watch resumes elsewhere, nothing lost or repeated', async (t) => {
  const start = await api.list(CONFIGMAPS)
  const seen: string[] = []
  const watch = await api.watch(CONFIGMAPS, { resourceVersion: start.metadata?.resourceVersion as string }, { onEvents: (events) => seen.push(...ours(events).map(line)) })
  t.teardown(() => watch.cancel())
  let written = 0
  const writer = (async () => {
    while (written < 40) {
      // A write racing the kill may time out after it was applied: AlreadyExists then means done.
      const outcome = await api.create(CONFIGMAPS, configMap(`k${written}`)).catch((e: { status?: number }) => e)
      if (!(outcome instanceof Error) || outcome.status === 409) written++
    }
  })()
  await waitFor(() => seen.length >= 10 || undefined, { timeoutMs: 10_000, what: 'events before the kill' })
  const serving = watch.apiserver
  t.ok(info.store.includes(serving), `the watch is served by ${serving}`)
  for (const pid of pidsWithArgument(join(stateDir, 'hosts', `${serving}.yaml`))) process.kill(pid, 'SIGKILL')
  await writer
  await waitFor(() => seen.length >= 40 || undefined, { timeoutMs: 30_000, what: 'all 40 events after the kill' })
  t.not(watch.apiserver, serving, 'another apiserver took the watch over')
  t.same(seen, Array.from({ length: 40 }, (_, i) => `ADDED k${i} 0`), 'every change once, in order')
})
