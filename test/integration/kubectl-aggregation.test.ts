/**
 * ClusterRole aggregation and CronJob time zones with real kubectl (v1.32) against `actorkube up`
 * (one cluster, no workers): a role labelled `rbac.authorization.k8s.io/aggregate-to-view` extends
 * the bootstrap `view` (and, through the chain, `edit` and `admin`), as `kubectl auth can-i --as`
 * then answers for a user bound to view; a CronJob with `spec.timeZone` is accepted and shown,
 * an unknown zone and a `CRON_TZ=` schedule refused with Kubernetes' 422.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { haveKubectl, kubectlJson, type KubectlRun } from '../helpers/kubectl.ts'
import { startReadyUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}

const { stateDir, kubectl } = await startReadyUp(t, ['--masters', '1', '--workers', '0', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-aggregation-' })

/** `kubectl auth can-i` answers by exit code: 0 yes, 1 no. */
async function canI(args: readonly string[]): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', ...args])
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl auth can-i ${args.join(' ')}: exit ${r.code}: ${r.stderr}`)
  return r.code === 0
}

/** `kubectl create -f` of a manifest written to the state directory. */
async function create(name: string, manifest: unknown): Promise<KubectlRun> {
  const file = join(stateDir, `${name}.json`)
  await writeFile(file, JSON.stringify(manifest))
  return kubectl(['create', '-f', file])
}

interface Rules {
  readonly rules?: readonly { readonly resources?: readonly string[]; readonly verbs?: readonly string[] }[]
}
const grantsSecrets = (role: Rules): boolean => (role.rules ?? []).some((r) => r.resources?.includes('secrets') && r.verbs?.includes('get') === true && r.verbs.length === 1)

t.test('aggregation - a role labelled aggregate-to-view extends view, edit and admin; can-i --as sees it', async (t) => {
  const bound = await kubectl(['create', 'clusterrolebinding', 'carol-views', '--clusterrole=view', '--user=carol'])
  t.equal(bound.code, 0, bound.stderr)
  await waitFor(() => canI(['list', 'pods', '--as', 'carol']), { timeoutMs: 15_000, what: 'carol may list pods through view' })
  t.equal(await canI(['get', 'secrets', '--as', 'carol']), false, 'view reads no Secrets')

  const labelled = await create('secret-peeker', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'secret-peeker', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
  })
  t.equal(labelled.code, 0, labelled.stderr)
  await waitFor(() => canI(['get', 'secrets', '--as', 'carol']), { timeoutMs: 20_000, what: 'carol may get secrets once view aggregates secret-peeker' })
  t.equal(await canI(['delete', 'secrets', '--as', 'carol']), false, 'only the verb aggregated')
  for (const name of ['view', 'edit', 'admin']) {
    const role = await waitFor(async () => {
      const r = await kubectlJson<Rules & { aggregationRule?: unknown }>(kubectl, ['get', 'clusterrole', name])
      return grantsSecrets(r) ? r : undefined
    }, { timeoutMs: 20_000, what: `${name} holds secret-peeker's rule` })
    t.ok(role.aggregationRule, `${name} has an aggregationRule`)
  }

  // The label removed: view no longer holds the rule, and carol loses it.
  const unlabel = await kubectl(['label', 'clusterrole', 'secret-peeker', 'rbac.authorization.k8s.io/aggregate-to-view-'])
  t.equal(unlabel.code, 0, unlabel.stderr)
  await waitFor(async () => !(await canI(['get', 'secrets', '--as', 'carol'])), { timeoutMs: 20_000, what: 'carol loses get secrets' })
  t.notOk(grantsSecrets(await kubectlJson<Rules>(kubectl, ['get', 'clusterrole', 'view'])), 'view no longer holds it')
})

const cronJob = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: { schedule: '0 9 * * 1-5', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
})

t.test('time zones - a CronJob in Europe/Berlin is accepted; an unknown zone and CRON_TZ are refused', async (t) => {
  const made = await create('berlin', cronJob('berlin-standup', { timeZone: 'Europe/Berlin' }))
  t.equal(made.code, 0, made.stderr)
  const got = await kubectl(['get', 'cronjob', 'berlin-standup', '-o', 'jsonpath={.spec.timeZone} {.spec.schedule}'])
  t.equal(got.stdout, 'Europe/Berlin 0 9 * * 1-5')

  const unknown = await create('mars', cronJob('mars', { timeZone: 'Mars/Olympus_Mons' }))
  t.not(unknown.code, 0)
  t.match(unknown.stderr, 'spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons')
  const inSchedule = await create('cron-tz', cronJob('cron-tz', { schedule: 'CRON_TZ=Europe/Berlin 0 9 * * *' }))
  t.not(inSchedule.code, 0)
  t.match(inSchedule.stderr, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead')
  const names = (await kubectlJson<{ items: { metadata: { name: string } }[] }>(kubectl, ['get', 'cronjobs'])).items.map((c) => c.metadata.name)
  t.same(names, ['berlin-standup'], 'nothing refused was stored')
})
