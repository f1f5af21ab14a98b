/** handle(): batch/v1 Jobs and CronJobs: defaults, the generated selector, validation with field paths, Tables. */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { bodyOf, cluster, NOW, request, TABLE_ACCEPT } from './memory-objects.ts'

const JOBS = '/apis/batch/v1/namespaces/default/jobs'
const CRONJOBS = '/apis/batch/v1/namespaces/default/cronjobs'
const podTemplate = (restartPolicy?: string) => ({ spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } })
const job = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: podTemplate('Never'), ...spec } })
const cronJob = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: podTemplate('OnFailure') } }, ...spec },
})

t.test('batch - a Job gets Kubernetes defaults, a generated selector and its labels', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle(request('POST', JOBS, { body: job('pi') }), ports))
  t.equal(status, 201)
  const uid = body.metadata.uid
  const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' }
  t.same(
    { ...body.spec, template: undefined },
    { backoffLimit: 6, completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }, template: undefined },
  )
  t.same(body.spec.template.metadata.labels, labels)
  t.same(body.metadata.labels, labels, 'the Job takes its template labels')
  t.equal(body.spec.template.spec.dnsPolicy, 'ClusterFirst', 'the pod template is defaulted')
  t.equal(body.status, undefined, 'no status until the controller writes one')

  const queue = bodyOf(await handle(request('POST', JOBS, { body: job('queue', { parallelism: 3 }) }), ports))
  t.same([queue.body.spec.completions, queue.body.spec.parallelism], [undefined, 3], 'parallelism alone: completions stay unset (a work queue)')

  const manual = bodyOf(await handle(request('POST', JOBS, { body: job('manual', { manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, ...podTemplate('Never') } }) }), ports))
  t.equal(manual.status, 201)
  t.same(manual.body.spec.selector, { matchLabels: { app: 'x' } }, 'manualSelector: the given selector stays')
})

t.test('batch - a CronJob gets Kubernetes defaults', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle(request('POST', CRONJOBS, { body: cronJob('tick') }), ports))
  t.equal(status, 201)
  t.match(body.spec, { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { dnsPolicy: 'ClusterFirst' } } } } })
})

t.test('batch - a CronJob in an IANA time zone is accepted as given', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle(request('POST', CRONJOBS, { body: cronJob('berlin', { schedule: '0 9 * * *', timeZone: 'Europe/Berlin' }) }), ports))
  t.equal(status, 201)
  t.equal(body.spec.timeZone, 'Europe/Berlin')
})

t.test('batch - invalid Jobs and CronJobs: 422 with field paths', async (t) => {
  const ports = await cluster(handle)
  const cases: [string, string, unknown, string[]][] = [
    ['restartPolicy Always', JOBS, { ...job('a'), spec: { template: podTemplate() } }, ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']],
    ['negative counts', JOBS, job('b', { completions: -1, parallelism: -2, backoffLimit: -3 }), [
      'spec.parallelism: Invalid value: -2: must be greater than or equal to 0',
      'spec.completions: Invalid value: -1: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
    ]],
    ['activeDeadlineSeconds 0', JOBS, job('c', { activeDeadlineSeconds: 0 }), ['spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0']],
    ['completion mode', JOBS, job('d', { completionMode: 'Sometimes' }), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']],
    ['Indexed needs completions', JOBS, job('e', { completionMode: 'Indexed', completions: null, parallelism: 2 }), ['spec.completions: Required value: when completion mode is Indexed']],
    ['manual selector not matching', JOBS, job('f', { manualSelector: true, selector: { matchLabels: { app: 'y' } } }), ['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']],
    ['bad schedule', CRONJOBS, cronJob('g', { schedule: '61 * * * *' }), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
    ['TZ in schedule', CRONJOBS, cronJob('h', { schedule: 'TZ=UTC * * * * *' }), ['spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['no schedule', CRONJOBS, cronJob('i', { schedule: '' }), ['spec.schedule: Required value']],
    ['concurrency policy', CRONJOBS, cronJob('j', { concurrencyPolicy: 'Sometimes' }), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['unknown time zone', CRONJOBS, cronJob('k', { timeZone: 'Mars/Olympus_Mons' }), ['spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons']],
    ['Local time zone', CRONJOBS, cronJob('k2', { timeZone: 'Local' }), ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['empty time zone', CRONJOBS, cronJob('k3', { timeZone: '' }), ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']],
    ['time zone path', CRONJOBS, cronJob('k4', { timeZone: '../etc/passwd' }), ['spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd']],
    ['CRON_TZ in schedule', CRONJOBS, cronJob('k5', { schedule: 'CRON_TZ=Europe/Paris 0 9 * * *', timeZone: 'Europe/Paris' }), ['spec.schedule: Invalid value: "CRON_TZ=Europe/Paris 0 9 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['history limit', CRONJOBS, cronJob('l', { successfulJobsHistoryLimit: -1 }), ['spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0']],
    ['template restartPolicy', CRONJOBS, cronJob('m', { jobTemplate: { spec: { template: podTemplate('Always') } } }), ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']],
    ['long name', CRONJOBS, cronJob('x'.repeat(53)), [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]],
  ]
  for (const [name, path, object, messages] of cases) {
    const { status, body } = bodyOf(await handle(request('POST', path, { body: object }), ports))
    t.equal(status, 422, name)
    t.same(body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`), messages, name)
  }
  t.equal(bodyOf(await handle(request('GET', JOBS), ports)).body.items.length, 0, 'nothing stored')
})

t.test('batch - kubectl columns', async (t) => {
  const ports = await cluster(handle)
  const created = bodyOf(await handle(request('POST', JOBS, { body: job('pi', { completions: 3, parallelism: 2 }) }), ports)).body
  const start = new Date(NOW - 90_000).toISOString()
  const done = new Date(NOW - 30_000).toISOString()
  const status = { startTime: start, completionTime: done, succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] }
  const put = bodyOf(await handle(request('PUT', `${JOBS}/pi/status`, { body: { ...created, status } }), ports))
  t.equal(put.status, 200)
  await handle(request('POST', JOBS, { body: job('queue', { parallelism: 4 }) }), ports)
  await handle(request('POST', CRONJOBS, { body: cronJob('tick') }), ports)

  const jobs = bodyOf(await handle(request('GET', JOBS, { accept: TABLE_ACCEPT }), ports)).body
  t.same(jobs.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}/${c.priority}`), ['Name/0', 'Status/0', 'Completions/0', 'Duration/0', 'Age/0', 'Containers/1', 'Images/1', 'Selector/1'])
  const uid = created.metadata.uid
  t.same(jobs.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 7)), [
    ['pi', 'Complete', '3/3', '60s', '0s', 'c', 'busybox'],
    ['queue', 'Running', '0/1 of 4', '', '0s', 'c', 'busybox'],
  ])
  t.equal(jobs.rows[0].cells[7], `batch.kubernetes.io/controller-uid=${uid}`)

  const cjs = bodyOf(await handle(request('GET', CRONJOBS, { accept: TABLE_ACCEPT }), ports)).body
  t.same(cjs.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector'])
  t.same(cjs.rows[0].cells, ['tick', '*/1 * * * *', '<none>', 'false', 0, '<none>', '0s', 'c', 'busybox', ''])
})
