import t from 'tap'
import { actorFaultGrants, parseActorFault, type HostActors } from '../../../actors/chaos/actor-faults.ts'
import { apiEventType, eventTypesParam, matchesEventTypes } from '../../../actors/chaos/event-types.ts'

const hosts: HostActors[] = [
  { host: 'master-1', actors: ['member/master-1', 'store/master-1', 'scheduler/master-1'] },
  { host: 'master-2', actors: ['member/master-2', 'store/master-2', 'scheduler/master-2'] },
  { host: 'worker-1', actors: ['member/worker-1', 'kubelet/worker-1'] },
]

t.test('actor faults - crash and skew go to the host running the actor, with the offset parsed', async (t) => {
  t.strictSame(actorFaultGrants('actor-crash', {}, ['scheduler/master-2'], hosts), [{ host: 'master-2', fault: { kind: 'crash', actors: ['scheduler/master-2'] } }])
  t.strictSame(actorFaultGrants('clock-skew', { offset: '-5s' }, ['kubelet/worker-1'], hosts), [{ host: 'worker-1', fault: { kind: 'skew', actors: ['kubelet/worker-1'], offsetMs: -5000 } }])
  t.strictSame(actorFaultGrants('clock-skew', { offset: '1h' }, ['store/master-1', 'scheduler/master-2', 'member/master-1'], hosts), [
    { host: 'master-1', fault: { kind: 'skew', actors: ['member/master-1', 'store/master-1'], offsetMs: 3_600_000 } },
    { host: 'master-2', fault: { kind: 'skew', actors: ['scheduler/master-2'], offsetMs: 3_600_000 } },
  ], 'one grant per host, naming its actors')
})

t.test('actor faults - disk kinds take store actors, or hosts meaning every store replica on them', async (t) => {
  t.strictSame(actorFaultGrants('disk-latency', { latency: '300ms' }, ['master-1', 'store/master-2'], hosts), [
    { host: 'master-1', fault: { kind: 'disk', actors: ['store/master-1'], latencyMs: 300, errorProbability: 0 } },
    { host: 'master-2', fault: { kind: 'disk', actors: ['store/master-2'], latencyMs: 300, errorProbability: 0 } },
  ])
  t.strictSame(actorFaultGrants('disk-error', { probability: 0.25 }, ['master-2'], hosts), [{ host: 'master-2', fault: { kind: 'disk', actors: ['store/master-2'], latencyMs: 0, errorProbability: 0.25 } }])
  t.strictSame(actorFaultGrants('disk-error', {}, ['store/master-1'], hosts), [{ host: 'master-1', fault: { kind: 'disk', actors: ['store/master-1'], latencyMs: 0, errorProbability: 1 } }], 'probability defaults to 1')
})

t.test('actor faults - targets that run nowhere or are the wrong thing are errors naming them', async (t) => {
  t.match(actorFaultGrants('disk-latency', { latency: '1s' }, ['worker-1'], hosts), { message: 'worker-1 runs no store replica' })
  t.match(actorFaultGrants('disk-error', {}, ['kubelet/worker-1'], hosts), { message: /^kubelet\/worker-1 is not a store replica/ })
  t.match(actorFaultGrants('actor-crash', {}, ['master-1'], hosts), { message: 'master-1 is not an actor (component/id)' })
  t.match(actorFaultGrants('actor-crash', {}, ['scheduler/master-3'], hosts), { message: 'no host runs scheduler/master-3' })
})

t.test('event types - an API request is named by its resource and subresource, RBAC style', async (t) => {
  t.equal(apiEventType('/api/v1/namespaces/default/pods/web-1/binding'), 'pods/binding')
  t.equal(apiEventType('/api/v1/namespaces/default/pods/web-1/status'), 'pods/status')
  t.equal(apiEventType('/api/v1/namespaces/default/pods'), 'pods')
  t.equal(apiEventType('/apis/apps/v1/namespaces/default/deployments/web?fieldManager=x'), 'deployments')
  t.equal(apiEventType('/api/v1/nodes/worker-1'), 'nodes')
  t.equal(apiEventType('/healthz'), undefined)
  t.equal(apiEventType('/api/v1/namespaces/default/gizmos'), undefined)
})

t.test('event types - match an event type, or an API request by resource; nothing without a type', async (t) => {
  const binding = { type: 'api.request', path: '/api/v1/namespaces/default/pods/web-1/binding' }
  t.ok(matchesEventTypes(['pods/binding'], binding))
  t.ok(matchesEventTypes(['api.request'], binding), 'the event type itself')
  t.notOk(matchesEventTypes(['pods'], binding), 'pods is not pods/binding')
  t.notOk(matchesEventTypes(['pods/binding'], { type: 'api.request', path: '/api/v1/namespaces/default/pods' }))
  t.notOk(matchesEventTypes(['pods/binding'], { type: 'raft.append' }))
  t.ok(matchesEventTypes(['raft.append', 'raft.vote'], { type: 'raft.vote' }))
  t.notOk(matchesEventTypes(['pods/binding'], { path: binding.path }), 'no type: no match')
  t.notOk(matchesEventTypes(['pods/binding'], { type: 'kv.put', path: binding.path }), 'a path counts only on API requests')
  t.strictSame(eventTypesParam('pods/binding'), ['pods/binding'])
  t.strictSame(eventTypesParam(['a', 'b']), ['a', 'b'])
  t.equal(eventTypesParam(undefined), undefined)
  t.equal(eventTypesParam([]), undefined)
})

t.test('actor faults - parsed from the wire against the host\'s actors, errors naming the field', async (t) => {
  const keys = ['store/master-1', 'scheduler/master-1']
  t.strictSame(parseActorFault({ kind: 'skew', actors: ['scheduler/master-1'], offsetMs: -5000 }, keys), { kind: 'skew', actors: ['scheduler/master-1'], offsetMs: -5000 })
  t.strictSame(parseActorFault({ kind: 'disk', actors: ['store/master-1'], latencyMs: 200, errorProbability: 0 }, keys), { kind: 'disk', actors: ['store/master-1'], latencyMs: 200, errorProbability: 0 })
  t.strictSame(parseActorFault({ kind: 'crash', actors: ['store/master-1', 'scheduler/master-1'], extra: 1 }, keys), { kind: 'crash', actors: ['store/master-1', 'scheduler/master-1'] })
  const cases: Array<[unknown, RegExp]> = [
    [null, /^fault\.fault: expected an object$/],
    [{ kind: 'crash', actors: ['store/master-1', 'store/master-2'] }, /^fault\.fault\.actors\[1\]: expected one of store\/master-1, scheduler\/master-1, got "store\/master-2"$/],
    [{ kind: 'crash', actors: [] }, /^fault\.fault\.actors: expected a non-empty list of actors$/],
    [{ kind: 'melt', actors: ['store/master-1'] }, /^fault\.fault\.kind: expected crash, skew or disk, got "melt"$/],
    [{ kind: 'skew', actors: ['store/master-1'], offsetMs: '5s' }, /^fault\.fault\.offsetMs: /],
    [{ kind: 'disk', actors: ['scheduler/master-1'], latencyMs: 1, errorProbability: 0 }, /^fault\.fault\.actors\[0\]: scheduler\/master-1 is not a store replica$/],
    [{ kind: 'disk', actors: ['store/master-1'], latencyMs: -1, errorProbability: 0 }, /^fault\.fault\.latencyMs: /],
    [{ kind: 'disk', actors: ['store/master-1'], latencyMs: 0, errorProbability: 2 }, /^fault\.fault\.errorProbability: /],
  ]
  for (const [raw, message] of cases) t.throws(() => parseActorFault(raw, keys), { name: 'TypeError', message })
})
