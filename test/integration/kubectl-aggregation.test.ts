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

const cronJob = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: { schedule: '0 9 * * 1-5', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
})

/**
 * The wall-clock minute and hour in `zone` of the first whole minute at least 5 s ahead: a
 * schedule naming them fires within a minute only when the controller reads that zone's clock
 * (Asia/Kolkata is UTC+05:30, so neither field matches UTC's).
 */
function nextMinuteIn(zone: string): { readonly schedule: string; readonly at: number } {
  const at = Math.ceil((Date.now() + 5_000) / 60_000) * 60_000
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(at)).map((p) => [p.type, p.value]))
  return { schedule: `${Number(parts.minute)} ${Number(parts.hour)} * * *`, at }
}

// Made first, so the wait for its minute overlaps the other cases.
const kolkata = nextMinuteIn('Asia/Kolkata')
const scheduled = await create('kolkata', cronJob('kolkata', { schedule: kolkata.schedule, timeZone: 'Asia/Kolkata' }))

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

t.test('time zones - a CronJob in Europe/Berlin is accepted; an unknown zone and CRON_TZ are refused; Kolkata fires on its clock', async (t) => {
  t.equal(scheduled.code, 0, scheduled.stderr)

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
  t.same(names.sort(), ['berlin-standup', 'kolkata'], 'nothing refused was stored')

  // The Kolkata schedule fires at its minute: lastScheduleTime and the Job <name>-<minutes>.
  const last = await waitFor(async () => (await kubectl(['get', 'cronjob', 'kolkata', '-o', 'jsonpath={.status.lastScheduleTime}'])).stdout || undefined, { timeoutMs: 80_000, intervalMs: 500, what: `kolkata's first run (${kolkata.schedule})` })
  t.equal(last, new Date(kolkata.at).toISOString().replace('.000Z', 'Z'), `fired at ${kolkata.schedule} Asia/Kolkata`)
  const job = await kubectlJson<{ metadata: { ownerReferences: { kind: string; name: string }[] } }>(kubectl, ['get', 'job', `kolkata-${kolkata.at / 60_000}`])
  t.same(job.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`), ['CronJob/kolkata'])
})
