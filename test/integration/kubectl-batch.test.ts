/**
 * Jobs and CronJobs end to end with real kubectl against `actorkube up` (1 master, 1 worker with
 * the process runtime, so containers are real processes that exit): `kubectl create job`, a Job
 * of 3 completions 2 at a time, a failing Job that reaches its backoffLimit, an Indexed Job whose
 * pods see JOB_COMPLETION_INDEX, ttlSecondsAfterFinished, `kubectl create cronjob` and
 * `kubectl create job --from=cronjob/x` (the schedule itself is unit-tested on a simulated clock:
 * this cluster's clock cannot be driven, and a real minute is too long to wait), garbage
 * collection of a deleted Job's pods, a refused Job (422 with its field path), and the Kubernetes
 * documentation's podFailurePolicy example (exit code 42 fails the Job at once: FailureTarget,
 * then Failed with reason PodFailurePolicy) with its spec immutable afterwards.
 */
import { writeFileSync } from 'node:fs'
import type { Condition } from '../../actors/kube/objects.ts'
import { join } from 'node:path'
import t from 'tap'
import type { CronJob, Job } from '../../actors/kube/batch.ts'
import type { Pod } from '../../actors/kube/objects.ts'
import { haveKubectl, kubectlFor, kubectlJson } from '../helpers/kubectl.ts'
import { startUp } from '../helpers/up-process.ts'
import { waitFor } from '../helpers/wait.ts'

if (!(await haveKubectl())) {
  t.plan(0, 'kubectl is not on PATH')
  process.exit(0)
}
t.setTimeout(300_000)

const { stateDir, output } = await startUp(t, ['--masters', '1', '--workers', '1', '--nats-servers', '1', '--api-port', '0', '--status-interval', '0'], { prefix: 'ak-batch-' })
await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 120_000, what: '"actorkube ready"' })
const kubectl = kubectlFor(join(stateDir, 'kubeconfig'), join(stateDir, 'kube-cache'))

interface List<T> {
  readonly items: readonly T[]
}

const getJob = (name: string) => kubectlJson<Job>(kubectl, ['get', 'job', name])
const podsOf = async (job: string) => (await kubectlJson<List<Pod>>(kubectl, ['get', 'pods', '-l', `batch.kubernetes.io/job-name=${job}`])).items
const isDone = (job: Job, type: 'Complete' | 'Failed') => job.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true

/** Waits for the Job to finish as `type`; on timeout the Job and its pods are printed. */
async function finished(name: string, type: 'Complete' | 'Failed', timeoutMs = 60_000): Promise<Job> {
  try {
    return await waitFor(async () => {
      const job = await getJob(name)
      return isDone(job, type) ? job : undefined
    }, { timeoutMs, intervalMs: 250, what: `job ${name} ${type}` })
  } catch (error) {
    const pods = await podsOf(name).catch(() => [])
    t.comment(`job ${name}: ${JSON.stringify((await getJob(name).catch(() => undefined))?.status)}\npods: ${pods.map((p) => `${p.metadata.name}:${p.status?.phase}`).join(' ')}`)
    throw error
  }
}

function manifest(name: string, object: unknown): string {
  const file = join(stateDir, `${name}.json`)
  writeFileSync(file, JSON.stringify(object))
  return file
}

const jobManifest = (name: string, spec: Record<string, unknown>, command: string, restartPolicy = 'Never') => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: { ...spec, template: { spec: { restartPolicy, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', command] }] } } },
})

t.test('batch - kubectl create job: a container that exits 0 completes the Job', async (t) => {
  const created = await kubectl(['create', 'job', 'hello', '--image=busybox', '--', 'sh', '-c', 'echo hello from a job'])
  t.equal(created.code, 0, created.stderr)
  const job = await finished('hello', 'Complete')
  t.match(job.status, { succeeded: 1, active: 0 })
  t.ok(job.status?.startTime && job.status.completionTime, 'start and completion times')
  t.match(job.spec, { backoffLimit: 6, completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false })
  const [pod] = await podsOf('hello')
  t.equal(pod?.status?.phase, 'Succeeded')
  t.same(pod?.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['Job', 'hello', true]])
  const logs = await kubectl(['logs', pod?.metadata.name ?? ''])
  t.equal(logs.stdout.trim(), 'hello from a job')
})

t.test('batch - 3 completions, 2 at a time: three pods succeed, never more than two at once', async (t) => {
  const file = manifest('three', jobManifest('three', { completions: 3, parallelism: 2 }, 'sleep 1'))
  t.equal((await kubectl(['create', '-f', file])).code, 0)
  let most = 0
  const job = await waitFor(async () => {
    const pods = await podsOf('three')
    most = Math.max(most, pods.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending').length)
    const j = await getJob('three')
    return isDone(j, 'Complete') ? j : undefined
  }, { timeoutMs: 60_000, intervalMs: 200, what: 'job three Complete' })
  t.match(job.status, { succeeded: 3, active: 0, failed: 0 })
  const pods = await podsOf('three')
  t.equal(pods.length, 3, 'exactly three pods')
  t.ok(pods.every((p) => p.status?.phase === 'Succeeded'))
  t.ok(most <= 2, `at most 2 pods ran at once (${most})`)
})

t.test('batch - a failing Job stops at its backoffLimit and is Failed', async (t) => {
  const file = manifest('fails', jobManifest('fails', { backoffLimit: 1 }, 'exit 3'))
  t.equal((await kubectl(['create', '-f', file])).code, 0)
  // Two failures (the second after the first backoff, 10 s) exceed a backoffLimit of 1.
  const job = await finished('fails', 'Failed', 90_000)
  t.equal(job.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded')
  t.match(job.status, { failed: 2, active: 0 })
  const pods = await podsOf('fails')
  t.same(pods.map((p) => p.status?.phase), ['Failed', 'Failed'])
})

t.test('batch - an Indexed Job: each pod sees its JOB_COMPLETION_INDEX', async (t) => {
  const file = manifest('indexed', jobManifest('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, 'echo "index=$JOB_COMPLETION_INDEX"'))
  t.equal((await kubectl(['create', '-f', file])).code, 0)
  const job = await finished('indexed', 'Complete')
  t.equal(job.status?.completedIndexes, '0-2')
  const pods = await podsOf('indexed')
  const seen = await Promise.all(
    pods.map(async (p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], (await kubectl(['logs', p.metadata.name ?? ''])).stdout.trim()]),
  )
  t.same(seen.sort(), [['0', 'index=0'], ['1', 'index=1'], ['2', 'index=2']])
})

t.test('batch - ttlSecondsAfterFinished 0: the finished Job is deleted, and its pods with it', async (t) => {
  const file = manifest('brief', jobManifest('brief', { ttlSecondsAfterFinished: 0 }, 'true'))
  t.equal((await kubectl(['create', '-f', file])).code, 0)
  await waitFor(async () => (await kubectl(['get', 'job', 'brief', '-o', 'name'])).stderr.includes('NotFound'), { timeoutMs: 60_000, intervalMs: 250, what: 'job brief deleted' })
  await waitFor(async () => (await podsOf('brief')).length === 0, { timeoutMs: 30_000, intervalMs: 250, what: "brief's pods collected" })
})

t.test('batch - kubectl create cronjob, then create job --from=cronjob/tick runs its template now', async (t) => {
  const created = await kubectl(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'sh', '-c', 'echo tick'])
  t.equal(created.code, 0, created.stderr)
  const cj = await kubectlJson<CronJob>(kubectl, ['get', 'cronjob', 'tick'])
  t.match(cj.spec, { schedule: '*/1 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })
  const short = await kubectlJson<CronJob>(kubectl, ['get', 'cj', 'tick'])
  t.equal(short.metadata.uid, cj.metadata.uid, 'short name cj')

  const manual = await kubectl(['create', 'job', 'tick-manual', '--from=cronjob/tick'])
  t.equal(manual.code, 0, manual.stderr)
  const job = await finished('tick-manual', 'Complete')
  t.same(job.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['CronJob', 'tick', cj.metadata.uid]])
  t.equal(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual')
  const [pod] = await podsOf('tick-manual')
  t.equal((await kubectl(['logs', pod?.metadata.name ?? ''])).stdout.trim(), 'tick')
})

t.test('batch - deleting a Job deletes its pods (garbage collection by ownerReferences)', async (t) => {
  t.ok((await podsOf('three')).length > 0)
  t.equal((await kubectl(['delete', 'job', 'three'])).code, 0)
  await waitFor(async () => (await podsOf('three')).length === 0, { timeoutMs: 30_000, intervalMs: 250, what: "three's pods collected" })
})

t.test('batch - a Job with restartPolicy Always is refused with its field path', async (t) => {
  const file = manifest('bad', jobManifest('bad', {}, 'true', 'Always'))
  const r = await kubectl(['create', '-f', file])
  t.not(r.code, 0)
  t.match(r.stderr, 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"')
  t.match((await kubectl(['get', 'job', 'bad', '-o', 'name'])).stderr, 'NotFound')
})

/** The Kubernetes documentation's example (tasks/job/pod-failure-policy), with a 1 s sleep instead of 5 s. */
const POD_FAILURE_POLICY_EXAMPLE = `apiVersion: batch/v1
kind: Job
metadata:
  name: job-pod-failure-policy-example
spec:
  completions: 12
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: docker.io/library/bash:5
        command: ["bash"]
        args:
        - -c
        - echo "Hello world!" && sleep 1 && exit 42
  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: main
        operator: In
        values: [42]
    - action: Ignore
      onPodConditions:
      - type: DisruptionTarget
`

t.test('batch - the documentation podFailurePolicy example: exit 42 fails the Job with FailureTarget, then Failed PodFailurePolicy', async (t) => {
  const explain = await kubectl(['explain', 'job.spec.podFailurePolicy.rules.onExitCodes'])
  t.equal(explain.code, 0, explain.stderr)
  t.match(explain.stdout, 'operator')
  const file = join(stateDir, 'pod-failure-policy.yaml')
  writeFileSync(file, POD_FAILURE_POLICY_EXAMPLE)
  const applied = await kubectl(['apply', '-f', file])
  t.equal(applied.code, 0, applied.stderr)
  const name = 'job-pod-failure-policy-example'
  const job = await finished(name, 'Failed', 60_000)
  const conditions: readonly Condition[] = job.status?.conditions ?? []
  t.same(conditions.filter((c) => c.type === 'FailureTarget' || c.type === 'Failed').map((c) => [c.type, c.status, c.reason]), [['FailureTarget', 'True', 'PodFailurePolicy'], ['Failed', 'True', 'PodFailurePolicy']], 'FailureTarget first')
  const failed = conditions.find((c) => c.type === 'Failed')
  t.match(failed?.message, new RegExp(`^Container main for pod default/${name}-[a-z0-9]+ failed with exit code 42 matching FailJob rule at index 0$`))
  const reason = await kubectl(['get', 'job', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}'])
  t.equal(reason.stdout, 'PodFailurePolicy')
  t.match(job.spec, { podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ action: 'FailJob' }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } })
  t.ok((job.status?.failed ?? 0) < 6, `stopped long before backoffLimit (failed ${job.status?.failed})`)
  t.equal(job.status?.active ?? 0, 0)
  t.equal((await podsOf(name)).filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending').length, 0, 'nothing left running')

  // The template is immutable, as in Kubernetes.
  const setImage = await kubectl(['set', 'image', `job/${name}`, 'main=docker.io/library/bash:5.2'])
  t.not(setImage.code, 0)
  t.match(setImage.stderr, 'spec.template: Invalid value')
  t.match(setImage.stderr, 'field is immutable')
})
