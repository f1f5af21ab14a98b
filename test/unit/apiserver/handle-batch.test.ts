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
    ['restartPolicy Always', JOBS, { ...job('a'), spec: { template: podTemplate() } }, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
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
    ['template restartPolicy', CRONJOBS, cronJob('m', { jobTemplate: { spec: { template: podTemplate('Always') } } }), ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['long name', CRONJOBS, cronJob('x'.repeat(53)), [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]],
  ]
  for (const [name, path, object, messages] of cases) {
    const { status, body } = bodyOf(await handle(request('POST', path, { body: object }), ports))
    t.equal(status, 422, name)
    t.same(body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`), messages, name)
  }
  t.equal(bodyOf(await handle(request('GET', JOBS), ports)).body.items.length, 0, 'nothing stored')
})

const POLICY_JOB = { completions: 12, parallelism: 3, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }

t.test('batch - podFailurePolicy and backoffLimitPerIndex defaults', async (t) => {
  const ports = await cluster(handle)
  const { status, body } = bodyOf(await handle(request('POST', JOBS, { body: job('policy', POLICY_JOB) }), ports))
  t.equal(status, 201)
  t.equal(body.spec.podReplacementPolicy, 'Failed', 'with a podFailurePolicy only failed pods are replaced')
  t.same(body.spec.podFailurePolicy.rules[1].onPodConditions, [{ type: 'DisruptionTarget', status: 'True' }], 'a pattern matches status True unless it says')
  t.equal(body.spec.backoffLimit, 6)
  const perIndex = bodyOf(await handle(request('POST', JOBS, { body: job('per-index', { completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 }) }), ports))
  t.equal(perIndex.status, 201)
  t.equal(perIndex.body.spec.backoffLimit, 2147483647, 'backoffLimitPerIndex: the Job-wide limit is off')
  t.equal(perIndex.body.spec.podReplacementPolicy, 'TerminatingOrFailed')
})

t.test('batch - invalid podFailurePolicy, backoffLimitPerIndex and successPolicy: 422 with field paths', async (t) => {
  const ports = await cluster(handle)
  const rules = (...r: unknown[]) => ({ podFailurePolicy: { rules: r } })
  const indexed = (o: Record<string, unknown>) => ({ completionMode: 'Indexed', completions: 4, ...o })
  const cases: [string, unknown, string[]][] = [
    ['restartPolicy OnFailure with a policy', { ...job('a', POLICY_JOB), spec: { ...POLICY_JOB, template: podTemplate('OnFailure') } }, ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']],
    ['no action, unknown action', job('b', rules({ onExitCodes: { operator: 'In', values: [1] } }, { action: 'Retry', onExitCodes: { operator: 'In', values: [1] } })), [
      'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
      'spec.podFailurePolicy.rules[1].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
    ]],
    ['FailIndex without backoffLimitPerIndex', job('c', rules({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } })), ['spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set']],
    ['both and neither requirement', job('d', rules({ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }, { action: 'Ignore' })), [
      'spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
      'spec.podFailurePolicy.rules[1]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
    ]],
    ['exit codes: operator, container, values', job('e', rules({ action: 'Count', onExitCodes: { containerName: 'nope', values: [3, 1, 1] } }, { action: 'Count', onExitCodes: { operator: 'In', values: [0] } }, { action: 'Count', onExitCodes: { operator: 'Is', values: [] } })), [
      'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]',
      'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 1',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [3,1,1]: must be ordered',
      'spec.podFailurePolicy.rules[1].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[2].onExitCodes.operator: Unsupported value: "Is": supported values: "In", "NotIn"',
      'spec.podFailurePolicy.rules[2].onExitCodes.values: Invalid value: []: at least one value is required',
    ]],
    ['too many rules and values', job('f', rules(...Array.from({ length: 21 }, () => ({ action: 'Count', onExitCodes: { operator: 'NotIn', values: Array.from({ length: 256 }, (_, i) => i) } })))), [
      'spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items',
      ...Array.from({ length: 21 }, (_, i) => `spec.podFailurePolicy.rules[${i}].onExitCodes.values: Too many: 256: must have at most 255 items`),
    ]],
    ['pod condition status', job('g', rules({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] })), ['spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"']],
    ['podReplacementPolicy with a policy', job('h', { ...POLICY_JOB, podReplacementPolicy: 'TerminatingOrFailed' }), ['spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"']],
    ['per-index fields need Indexed', job('i', { backoffLimitPerIndex: 1, maxFailedIndexes: 1 }), [
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
      'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
    ]],
    ['maxFailedIndexes needs backoffLimitPerIndex, at most completions', job('j', indexed({ maxFailedIndexes: 5 })), [
      'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified',
      'spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions',
    ]],
    ['successPolicy needs Indexed', job('k', { successPolicy: { rules: [{ succeededCount: 1 }] } }), ['spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode']],
    ['successPolicy rules', job('l', indexed({ successPolicy: { rules: [{}, { succeededIndexes: '3-1' }, { succeededIndexes: '0,5' }, { succeededIndexes: '0-1', succeededCount: 3 }, { succeededCount: 5 }] } })), [
      'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified',
      'spec.successPolicy.rules[1].succeededIndexes: Invalid value: "3-1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
      'spec.successPolicy.rules[2].succeededIndexes: Invalid value: "0,5": error parsing succeededIndexes: too large index: "5"',
      'spec.successPolicy.rules[3].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
      'spec.successPolicy.rules[4].succeededCount: Invalid value: 5: must be less than or equal to 4 (the number of specified completions)',
    ]],
    ['no successPolicy rules', job('m', indexed({ successPolicy: { rules: [] } })), ['spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified']],
    ['managedBy a domain-prefixed path', job('n', { managedBy: 'queue' }), ['spec.managedBy: Invalid value: "queue": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['managedBy at most 63 characters', job('o', { managedBy: `example.com/${'q'.repeat(60)}` }), ['spec.managedBy: Too long: may not be more than 63 bytes']],
    ['Indexed pod hostnames must be DNS labels', job('x'.repeat(62), indexed({ completions: 10 })), [`metadata.name: Invalid value: "${'x'.repeat(62)}": will not able to create pod with invalid DNS label: ${'x'.repeat(62)}-9`]],
  ]
  for (const [name, object, messages] of cases) {
    const { status, body } = bodyOf(await handle(request('POST', JOBS, { body: object }), ports))
    t.equal(status, 422, name)
    t.same(body.details?.causes?.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`), messages, name)
  }
})

t.test('batch - a Job\'s selector, template, completions and policies are immutable on update (422), as Kubernetes allows', async (t) => {
  const ports = await cluster(handle)
  const created = bodyOf(await handle(request('POST', JOBS, { body: job('pi', { completions: 3, parallelism: 2 }) }), ports)).body
  const put = async (change: (spec: Record<string, unknown>) => Record<string, unknown>, name = 'pi') => {
    const current = bodyOf(await handle(request('GET', `${JOBS}/${name}`), ports)).body
    return bodyOf(await handle(request('PUT', `${JOBS}/${name}`, { body: { ...current, spec: change(current.spec) } }), ports))
  }
  const causes = (r: { body: { details?: { causes?: { field: string; message: string }[] } } }) => r.body.details?.causes?.map((c) => `${c.field}: ${c.message}`) ?? []
  const image = (spec: Record<string, unknown>, to: string) => {
    const template = spec.template as { spec: { containers: Record<string, unknown>[] } }
    return { ...spec, template: { ...template, spec: { ...template.spec, containers: [{ ...template.spec.containers[0], image: to }] } } }
  }
  const newImage = await put((s) => image(s, 'busybox:2'))
  t.equal(newImage.status, 422)
  t.match(causes(newImage)[0], /^spec\.template: Invalid value: .*: field is immutable$/)
  const completions = await put((s) => ({ ...s, completions: 4 }))
  t.same(causes(completions), ['spec.completions: Invalid value: 4: field is immutable'])
  const selector = await put((s) => ({ ...s, selector: { matchLabels: { ...(s.selector as { matchLabels: object }).matchLabels, extra: 'x' } } }))
  t.ok(causes(selector).some((c) => /^spec\.selector: Invalid value: .*: field is immutable$/.test(c)), 'selector')
  const policy = await put((s) => ({ ...s, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }, podReplacementPolicy: 'Failed' }))
  t.ok(causes(policy).some((c) => c.startsWith('spec.podFailurePolicy: Invalid value: ') && c.endsWith('field is immutable')), 'podFailurePolicy')
  const parallelism = await put((s) => ({ ...s, parallelism: 5, activeDeadlineSeconds: 100 }))
  t.equal(parallelism.status, 200, 'parallelism and activeDeadlineSeconds may change')
  t.equal(created.spec.completions, 3)

  // Elastic Indexed Jobs: completions change with parallelism.
  await handle(request('POST', JOBS, { body: job('elastic', { completionMode: 'Indexed', completions: 3, parallelism: 3 }) }), ports)
  t.same(causes(await put((s) => ({ ...s, completions: 4 }), 'elastic')), ['spec.completions: Invalid value: 4: can only be modified in tandem with spec.parallelism'])
  t.equal((await put((s) => ({ ...s, completions: 5, parallelism: 5 }), 'elastic')).status, 200)

  // A suspended Job that never started may change its scheduling directives, and nothing else.
  await handle(request('POST', JOBS, { body: job('held', { suspend: true }) }), ports)
  const withNode = (s: Record<string, unknown>) => {
    const template = s.template as { spec: Record<string, unknown> }
    return { ...s, template: { ...template, spec: { ...template.spec, nodeSelector: { zone: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }] } } }
  }
  t.equal((await put(withNode, 'held')).status, 200, 'nodeSelector and tolerations of a suspended Job')
  t.equal((await put((s) => image(s, 'busybox:3'), 'held')).status, 422, 'but not its image')
  t.equal((await put(withNode, 'pi')).status, 422, 'nor those of a Job that is not suspended')
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
