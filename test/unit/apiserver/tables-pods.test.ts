import t from 'tap'
import { buildTable, tableRow } from '../../../actors/apiserver/tables/table.ts'
import type { KubeObject } from '../../../actors/apiserver/tables/types.ts'

const now = Date.parse('2025-03-01T12:00:00Z')
const created = '2025-03-01T11:57:50Z' // 2m10s before now

const pod = (spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: created, ...meta },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  status,
})
const running = { running: { startedAt: created } }

t.test('pod table: columns as the API server sends them', async (t) => {
  const table = buildTable('', 'pods', [], { now, resourceVersion: '42' })
  t.equal(table.kind, 'Table')
  t.equal(table.apiVersion, 'meta.k8s.io/v1')
  t.same(table.metadata, { resourceVersion: '42' })
  t.same(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  )
  for (const c of table.columnDefinitions) t.type(c.description, 'string')
  t.same(table.rows, [])
})

t.test('pod STATUS, READY and RESTARTS follow kubectl printPod', async (t) => {
  const cases: { name: string; pod: KubeObject; want: [string, string, string] }[] = [
    { name: 'pending, unscheduled', pod: pod({}, { phase: 'Pending' }), want: ['0/1', 'Pending', '0'] },
    {
      name: 'container creating',
      pod: pod({ nodeName: 'n1' }, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
      want: ['0/1', 'ContainerCreating', '0'],
    },
    {
      name: 'running and ready',
      pod: pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] }),
      want: ['1/1', 'Running', '0'],
    },
    {
      name: 'running, not ready',
      pod: pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: running }] }),
      want: ['0/1', 'Running', '0'],
    },
    {
      name: 'crash loop with restarts and last restart age',
      pod: pod(
        {},
        {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 4,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2025-03-01T11:59:30Z' } },
            },
          ],
        },
      ),
      want: ['0/1', 'CrashLoopBackOff', '4 (30s ago)'],
    },
    {
      name: 'first exit, restarted at once: Error until the new run starts',
      pod: pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2025-03-01T11:59:30Z' } } }] }),
      want: ['0/1', 'Error', '0'],
    },
    {
      name: 'that new run started: Running, one restart',
      pod: pod(
        {},
        {
          phase: 'Running',
          containerStatuses: [
            { name: 'app', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2025-03-01T11:59:30Z' } } },
          ],
        },
      ),
      want: ['1/1', 'Running', '1 (30s ago)'],
    },
    {
      name: 'completed',
      pod: pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'terminated without reason: exit code',
      pod: pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 137 } } }] }),
      want: ['0/1', 'ExitCode:137', '0'],
    },
    {
      name: 'terminated without reason: signal',
      pod: pod({}, { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 0, signal: 9 } } }] }),
      want: ['0/1', 'Signal:9', '0'],
    },
    {
      name: 'one completed, one running: Running when the pod is Ready',
      pod: pod(
        { containers: [{ name: 'a' }, { name: 'b' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [
            { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', ready: true, state: running },
          ],
        },
      ),
      want: ['1/2', 'Running', '0'],
    },
    {
      name: 'one completed, one running, pod not Ready',
      pod: pod(
        { containers: [{ name: 'a' }, { name: 'b' }] },
        {
          phase: 'Running',
          containerStatuses: [
            { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', ready: true, state: running },
          ],
        },
      ),
      want: ['1/2', 'NotReady', '0'],
    },
    {
      name: 'terminating',
      pod: pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: running }] }, { deletionTimestamp: '2025-03-01T11:59:59Z' }),
      want: ['1/1', 'Terminating', '0'],
    },
    {
      name: 'deleted after success stays Completed',
      pod: pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, { deletionTimestamp: '2025-03-01T11:59:59Z' }),
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'deleted on a lost node: Unknown',
      pod: pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: '2025-03-01T11:59:59Z' }),
      want: ['0/1', 'Unknown', '0'],
    },
    {
      name: 'status.reason wins over phase',
      pod: pod({}, { phase: 'Failed', reason: 'Evicted' }),
      want: ['0/1', 'Evicted', '0'],
    },
    {
      name: 'scheduling gated',
      pod: pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      want: ['0/1', 'SchedulingGated', '0'],
    },
    {
      name: 'init container running: Init:0/1',
      pod: pod(
        { initContainers: [{ name: 'init' }] },
        { phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, state: running }], containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] },
      ),
      want: ['0/1', 'Init:0/1', '0'],
    },
    {
      name: 'init container crash looping',
      pod: pod({ initContainers: [{ name: 'init' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'init', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
      want: ['0/1', 'Init:CrashLoopBackOff', '2'],
    },
    {
      name: 'init container failed with exit code',
      pod: pod({ initContainers: [{ name: 'init' }] }, { phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 3 } } }] }),
      want: ['0/1', 'Init:ExitCode:3', '0'],
    },
    {
      name: 'sidecar (restartable init container) counts toward READY',
      pod: pod(
        { initContainers: [{ name: 'side', restartPolicy: 'Always' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 'side', ready: true, started: true, restartCount: 1, state: running }],
          containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: running }],
        },
      ),
      want: ['2/2', 'Running', '3'],
    },
  ]
  for (const c of cases) {
    const row = tableRow('', 'pods', c.pod, now)
    t.same(row.cells.slice(1, 4), c.want, c.name)
    t.equal(row.cells[0], 'web', `${c.name}: name`)
    t.equal(row.cells[4], '2m10s', `${c.name}: age`)
  }
})

t.test('pod wide cells and row object', async (t) => {
  const p = pod(
    { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/other' }] },
    {
      phase: 'Running',
      podIP: '10.0.0.9',
      podIPs: [{ ip: '10.0.0.9' }],
      nominatedNodeName: 'node-2',
      conditions: [
        { type: 'example.com/lb', status: 'True' },
        { type: 'example.com/other', status: 'False' },
      ],
      containerStatuses: [{ name: 'app', ready: true, state: running }],
    },
    { labels: { app: 'web' }, resourceVersion: '7' },
  )
  const row = tableRow('', 'pods', p, now)
  t.same(row.cells, ['web', '1/1', 'Running', '0', '2m10s', '10.0.0.9', 'node-1', 'node-2', '1/2'])
  t.same(row.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: created, labels: { app: 'web' }, resourceVersion: '7' },
  })
  t.notOk('conditions' in row)

  const bare = tableRow('', 'pods', pod({}, {}), now)
  t.same(bare.cells.slice(5), ['<none>', '<none>', '<none>', '<none>'])
  t.same(bare.cells.slice(1, 4), ['0/1', '', '0'])
})

t.test('pod row conditions mark completed pods', async (t) => {
  t.same(tableRow('', 'pods', pod({}, { phase: 'Succeeded' }), now).conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ])
  t.same(tableRow('', 'pods', pod({}, { phase: 'Failed' }), now).conditions, [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }])
})

t.test('table rows keep input order and carry resourceVersion and continue', async (t) => {
  const table = buildTable('', 'pods', [pod({}, {}, { name: 'b' }), pod({}, {}, { name: 'a' })], { now, resourceVersion: '9', continue: 'tok' })
  t.same(table.metadata, { resourceVersion: '9', continue: 'tok' })
  t.same(
    table.rows.map((r) => r.cells[0]),
    ['b', 'a'],
  )
})
