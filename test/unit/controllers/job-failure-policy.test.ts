/**
 * The Job controller's podFailurePolicy, podReplacementPolicy, backoffLimitPerIndex /
 * maxFailedIndexes and successPolicy, as Kubernetes 1.32 acts on them, on the simulated clock.
 */
import t from 'tap'
import { jobExpectationsKey, reconcileJob } from '../../../actors/controllers/job.ts'
import { matchPodFailurePolicy } from '../../../actors/controllers/job-failure-policy.ts'
import { matchSuccessPolicy } from '../../../actors/controllers/job-success-policy.ts'
import { observeDeletion } from '../../../actors/controllers/expectations.ts'
import type { JobSpec, PodFailurePolicy } from '../../../actors/kube/batch.ts'
import type { Pod } from '../../../actors/kube/objects.ts'
import { T0, at } from './fixtures.ts'
import { conditionOf, conditionsOf, creates, deletes, job, jobPod, reasons, statusOf } from './job-fixtures.ts'

const FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count'
const IGNORED_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count'
const disrupted = [{ type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI' }]

/** The Kubernetes documentation's example policy (concepts/workloads/controllers/job, "Pod failure policy"). */
const DOCS_POLICY: PodFailurePolicy = {
  rules: [
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
  ],
}

t.test('podFailurePolicy - which rule matches a failed pod (first match wins)', async (t) => {
  const policy = (...rules: PodFailurePolicy['rules']): PodFailurePolicy => ({ rules })
  const failed = (o: Parameters<typeof jobPod>[2]) => jobPod('p', 'Failed', o)
  const cases: [string, PodFailurePolicy, Pod, string | undefined, boolean][] = [
    ['In matches a listed code', policy({ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 42] } }), failed({ exitCode: 42 }), 'FailJob', true],
    ['In: an unlisted code does not match', policy({ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }), failed({ exitCode: 3 }), undefined, true],
    ['NotIn matches an unlisted code', policy({ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }), failed({ exitCode: 2 }), 'Ignore', false],
    ['NotIn never matches exit code 0', policy({ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }), failed({ exitCode: 0 }), undefined, true],
    ['containerName must name the container', policy({ action: 'FailJob', onExitCodes: { containerName: 'other', operator: 'In', values: [1] } }), failed({ exitCode: 1 }), undefined, true],
    ['containerName that names it', policy({ action: 'Count', onExitCodes: { containerName: 'main', operator: 'In', values: [1] } }), failed({ exitCode: 1, container: 'main' }), 'Count', true],
    ['a pod condition, status defaulting to True', policy({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }), failed({ conditions: disrupted }), 'Ignore', false],
    ['a pod condition with another status', policy({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'False' }] }), failed({ conditions: disrupted }), undefined, true],
    ['rules in order: the first that matches', policy({ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }), failed({ exitCode: 1 }), 'Ignore', false],
    ['a container still running has no exit code', policy({ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1] } }), failed({}), undefined, true],
  ]
  for (const [name, p, pod, action, counts] of cases) {
    const m = matchPodFailurePolicy(p, pod)
    t.same([m.action, m.counts], [action, counts], name)
  }
  const init: Pod = { ...failed({}), status: { phase: 'Failed', initContainerStatuses: [{ name: 'setup', restartCount: 0, state: { terminated: { exitCode: 7 } } }] } }
  t.equal(matchPodFailurePolicy(policy({ action: 'FailJob', onExitCodes: { operator: 'In', values: [7] } }), init).message, 'Container setup for pod default/p failed with exit code 7 matching FailJob rule at index 0', 'init containers too')
  t.equal(matchPodFailurePolicy(policy({ action: 'Count', onExitCodes: { operator: 'In', values: [9] } }, { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }), failed({ conditions: disrupted })).message, 'Pod default/p has condition DisruptionTarget matching FailJob rule at index 1')
})

t.test('podFailurePolicy - the documentation example: exit 42 fails the Job (FailureTarget, then Failed once the others are gone)', async (t) => {
  const spec: Partial<JobSpec> = { completions: 12, parallelism: 3, backoffLimit: 6, podFailurePolicy: DOCS_POLICY, podReplacementPolicy: 'Failed', template: { metadata: { labels: job().spec.template.metadata?.labels ?? {} }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'bash' }] } } }
  const status = { startTime: at(T0), active: 3 }
  const pods = [jobPod('a', 'Failed', { exitCode: 42, container: 'main', endedAt: T0 + 5000 }), jobPod('b', 'Running'), jobPod('c', 'Running')]
  const first = reconcileJob({ job: job(spec, status), pods }, T0 + 5100)
  t.same(deletes(first), ['b', 'c'], 'the running pods are deleted')
  t.same(creates(first), [], 'no replacement')
  const s = statusOf(first)
  t.same(conditionsOf(s), ['FailureTarget=True:PodFailurePolicy'])
  t.equal(conditionOf(s, 'FailureTarget')?.message, 'Container main for pod default/a failed with exit code 42 matching FailJob rule at index 0')
  t.match(s, { failed: 1, active: 0, terminating: 2 })
  t.same(reasons(first).filter((r) => r === 'PodFailurePolicy'), [], 'the Warning comes with Failed')

  let expectations = first.expectations
  for (const uid of ['uid-b', 'uid-c']) expectations = observeDeletion(expectations, jobExpectationsKey('default/pi'), uid)
  const killed = [pods[0]!, jobPod('b', 'Failed', { exitCode: 137, container: 'main', endedAt: T0 + 5200 }), jobPod('c', 'Failed', { exitCode: 137, container: 'main', endedAt: T0 + 5200 })]
  const done = reconcileJob({ job: job(spec, s), pods: killed, expectations }, T0 + 6000)
  const d = statusOf(done)
  t.same(conditionsOf(d), ['FailureTarget=True:PodFailurePolicy', 'Failed=True:PodFailurePolicy'])
  t.equal(conditionOf(d, 'Failed')?.message, conditionOf(s, 'FailureTarget')?.message, 'Failed carries the same message')
  t.same(reasons(done), ['PodFailurePolicy'])
  t.match(d, { failed: 3, active: 0, terminating: 0 })
  t.notOk(d?.completionTime)
  t.same(reconcileJob({ job: job(spec, d), pods: killed }, T0 + 7000).actions, [], 'a Failed Job is left alone')
})

t.test('podFailurePolicy - Ignore: the failure is not counted against backoffLimit nor in status.failed, and the pod is replaced', async (t) => {
  const spec: Partial<JobSpec> = { backoffLimit: 0, podFailurePolicy: DOCS_POLICY, podReplacementPolicy: 'Failed' }
  const pods = [jobPod('evicted', 'Failed', { conditions: disrupted, endedAt: T0 - 60_000 })]
  const r = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods }, T0)
  t.same(conditionsOf(statusOf(r)), [], 'not failed')
  t.match(statusOf(r), { failed: 0, active: 1 })
  t.equal(creates(r).length, 1, 'replaced')
  // Without the policy the same failure exceeds backoffLimit 0.
  const without = reconcileJob({ job: job({ backoffLimit: 0 }, { startTime: at(T0) }), pods }, T0)
  t.same(conditionsOf(statusOf(without)), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded'])
  // Count rules and failures no rule matches count as usual.
  const counted = reconcileJob({ job: job({ backoffLimit: 0, podFailurePolicy: { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [1] } }] } }, { startTime: at(T0) }), pods: [jobPod('x', 'Failed', { exitCode: 1 })] }, T0)
  t.same(conditionsOf(statusOf(counted)), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded'])
})

t.test('podReplacementPolicy Failed (the default with a podFailurePolicy): a terminating pod is replaced only once it ended', async (t) => {
  const deleting = jobPod('old', 'Running', { deleting: true })
  const failedOnly = reconcileJob({ job: job({ podReplacementPolicy: 'Failed' }, { startTime: at(T0) }), pods: [deleting] }, T0)
  t.same(creates(failedOnly), [])
  t.match(statusOf(failedOnly), { active: 0, terminating: 1 })
  const right = reconcileJob({ job: job({ podReplacementPolicy: 'TerminatingOrFailed' }, { startTime: at(T0) }), pods: [deleting] }, T0)
  t.equal(creates(right).length, 1, 'TerminatingOrFailed replaces it at once')
})

const perIndex = (o: Partial<JobSpec> = {}): Partial<JobSpec> => ({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 2147483647, backoffLimitPerIndex: 1, ...o })

t.test('backoffLimitPerIndex - a failed index gets a new pod carrying its failure count, after its own backoff', async (t) => {
  const pods = [jobPod('p0', 'Running', { index: 0, annotations: { [FAILURE_COUNT]: '0' } }), jobPod('p1', 'Failed', { index: 1, endedAt: T0, annotations: { [FAILURE_COUNT]: '0' } }), jobPod('p2', 'Running', { index: 2, annotations: { [FAILURE_COUNT]: '0' } })]
  const early = reconcileJob({ job: job(perIndex(), { startTime: at(T0) }), pods }, T0 + 5000)
  t.same(creates(early), [], 'index 1 waits 10 s')
  t.equal(early.requeueAfterMs, 5000)
  t.equal(statusOf(early)?.failedIndexes, '', 'no index failed for good yet')
  const due = reconcileJob({ job: job(perIndex(), { startTime: at(T0) }), pods }, T0 + 10_000)
  const [made] = creates(due).map((c) => c.object as Pod)
  t.equal(made?.metadata.generateName, 'pi-1-')
  t.equal(made?.metadata.annotations?.[FAILURE_COUNT], '1', 'one failure of index 1 before it')
  t.equal(made?.metadata.annotations?.[IGNORED_COUNT], undefined)
  t.match(statusOf(due), { failed: 1 })
  // Each index has its own backoff: index 0 failing later does not hold index 1 back.
  const both = [jobPod('p0', 'Failed', { index: 0, endedAt: T0 + 8000, annotations: { [FAILURE_COUNT]: '0' } }), pods[1]!, pods[2]!]
  const one = reconcileJob({ job: job(perIndex(), { startTime: at(T0) }), pods: both }, T0 + 10_000)
  t.same(creates(one).map((c) => c.object.metadata.generateName), ['pi-1-'], 'index 1 now, index 0 still waits')
  t.equal(one.requeueAfterMs, 8000, 'woken when index 0 may go')
})

t.test('backoffLimitPerIndex - past the limit the index fails for good; all indexes done with some failed: FailedIndexes', async (t) => {
  const retried = jobPod('p1b', 'Failed', { index: 1, endedAt: T0 + 20_000, annotations: { [FAILURE_COUNT]: '1' } })
  const pods = [jobPod('p0', 'Succeeded', { index: 0 }), jobPod('p1', 'Failed', { index: 1, endedAt: T0, annotations: { [FAILURE_COUNT]: '0' } }), retried, jobPod('p2', 'Running', { index: 2, annotations: { [FAILURE_COUNT]: '0' } })]
  const r = reconcileJob({ job: job(perIndex(), { startTime: at(T0) }), pods }, T0 + 60_000)
  t.same(creates(r), [], 'index 1 is not retried')
  t.match(statusOf(r), { failedIndexes: '1', completedIndexes: '0', failed: 2 })
  t.same(conditionsOf(statusOf(r)), [])
  const lastDone = [...pods.slice(0, 3), jobPod('p2', 'Succeeded', { index: 2 })]
  const end = reconcileJob({ job: job(perIndex(), statusOf(r)), pods: lastDone }, T0 + 70_000)
  t.same(conditionsOf(statusOf(end)), ['FailureTarget=True:FailedIndexes', 'Failed=True:FailedIndexes'])
  t.equal(conditionOf(statusOf(end), 'Failed')?.message, 'Job has failed indexes')
  t.match(statusOf(end), { failedIndexes: '1', completedIndexes: '0,2' })
})

t.test('backoffLimitPerIndex - maxFailedIndexes exceeded fails the Job; FailIndex and Ignore rules', async (t) => {
  const spec = perIndex({ completions: 4, parallelism: 4, backoffLimitPerIndex: 3, maxFailedIndexes: 0, podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [5] } }, { action: 'Ignore', onExitCodes: { operator: 'In', values: [9] } }] } })
  const running = [2, 3].map((i) => jobPod(`p${i}`, 'Running', { index: i }))
  const ignored = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods: [jobPod('p0', 'Running', { index: 0 }), jobPod('p1', 'Failed', { index: 1, exitCode: 9, endedAt: T0, annotations: { [FAILURE_COUNT]: '0' } }), ...running] }, T0 + 10_000)
  const [again] = creates(ignored).map((c) => c.object as Pod)
  t.same([again?.metadata.annotations?.[FAILURE_COUNT], again?.metadata.annotations?.[IGNORED_COUNT]], ['0', '1'], 'an ignored failure is counted apart')
  t.match(statusOf(ignored), { failed: 0, failedIndexes: '' })
  const failIndex = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods: [jobPod('p0', 'Running', { index: 0 }), jobPod('p1', 'Failed', { index: 1, exitCode: 5, endedAt: T0 }), ...running] }, T0 + 1000)
  t.same(conditionsOf(statusOf(failIndex)), ['FailureTarget=True:MaxFailedIndexesExceeded'])
  t.equal(conditionOf(statusOf(failIndex), 'FailureTarget')?.message, 'Job has exceeded the specified maximal number of failed indexes')
  t.same(deletes(failIndex), ['p0', 'p2', 'p3'])
  t.equal(statusOf(failIndex)?.failedIndexes, '1', 'FailIndex fails it at its first failure')
})

t.test('successPolicy - which rule holds for the succeeded indexes', async (t) => {
  const cases: [string, { succeededIndexes?: string; succeededCount?: number }[], number[], string | undefined][] = [
    ['all of succeededIndexes', [{ succeededIndexes: '0,2-3' }], [0, 2, 3], 'Matched rules at index 0'],
    ['not all of them', [{ succeededIndexes: '0,2-3' }], [0, 3], undefined],
    ['succeededCount of succeededIndexes', [{ succeededIndexes: '0-3', succeededCount: 2 }], [1, 3, 5], 'Matched rules at index 0'],
    ['succeededCount alone', [{ succeededIndexes: '9' }, { succeededCount: 3 }], [1, 4, 7], 'Matched rules at index 1'],
    ['indexes past completions are dropped: an empty rule never holds', [{ succeededIndexes: '10-12' }], [1], undefined],
    ['nothing succeeded', [{ succeededCount: 0 }], [], undefined],
  ]
  for (const [name, rules, succeeded, want] of cases) t.equal(matchSuccessPolicy({ rules }, 10, new Set(succeeded)), want, name)
})

t.test('successPolicy - the leader index succeeding completes the Job: SuccessCriteriaMet, the rest deleted, then Complete', async (t) => {
  const spec: Partial<JobSpec> = { completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } }
  const pods = [jobPod('p0', 'Succeeded', { index: 0 }), jobPod('p1', 'Running', { index: 1 }), jobPod('p2', 'Running', { index: 2 })]
  const r = reconcileJob({ job: job(spec, { startTime: at(T0) }), pods }, T0 + 1000)
  t.same(deletes(r), ['p1', 'p2'])
  t.same(conditionsOf(statusOf(r)), ['SuccessCriteriaMet=True:SuccessPolicy'])
  t.equal(conditionOf(statusOf(r), 'SuccessCriteriaMet')?.message, 'Matched rules at index 0')
  t.notOk(statusOf(r)?.completionTime)
  let expectations = r.expectations
  for (const uid of ['uid-p1', 'uid-p2']) expectations = observeDeletion(expectations, jobExpectationsKey('default/pi'), uid)
  const done = reconcileJob({ job: job(spec, statusOf(r)), pods: [pods[0]!], expectations }, T0 + 2000)
  t.same(conditionsOf(statusOf(done)), ['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy'])
  t.match(statusOf(done), { completionTime: at(T0 + 2000), succeeded: 1, completedIndexes: '0' })
  t.same(reasons(done), ['Completed'])
})

t.test('managedBy - a Job another controller manages is left alone', async (t) => {
  t.same(reconcileJob({ job: job({ managedBy: 'example.com/queue' }), pods: [] }, T0).actions, [])
  t.equal(creates(reconcileJob({ job: job({ managedBy: 'kubernetes.io/job-controller' }), pods: [] }, T0)).length, 1, 'the built-in controller by name')
})
