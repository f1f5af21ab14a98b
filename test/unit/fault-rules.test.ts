import t from 'tap'
import { hostsCutOff, parseFaultRule, parsePartition } from '../../runtime/chaos/fault-rules.ts'

t.test('fault-rules - parseFaultRule fills defaults', async (t) => {
  t.strictSame(parseFaultRule({ kind: 'drop', subject: 'ak.c1.>' }), {
    id: 'drop:ak.c1.>',
    kind: 'drop',
    subject: 'ak.c1.>',
    probability: 1,
    delayMs: 0,
    jitterMs: 0,
  })
  t.equal(parseFaultRule({ kind: 'reorder', subject: 'x' }).delayMs, 50, 'reorder waits 50 ms for a successor by default')
  t.strictSame(parseFaultRule({ id: 'slow', kind: 'delay', subject: 'a.*', probability: 0.25, delayMs: 10, jitterMs: 3 }), {
    id: 'slow',
    kind: 'delay',
    subject: 'a.*',
    probability: 0.25,
    delayMs: 10,
    jitterMs: 3,
  })
  t.equal(parseFaultRule({ kind: 'duplicate', subject: 'x', probability: 0 }).probability, 0, 'probability 0 is allowed')
})

t.test('fault-rules - parseFaultRule errors name the offending field', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'drop', /^rule: expected an object$/],
    ['array', [], /^rule: expected an object$/],
    ['null', null, /^rule: expected an object$/],
    ['empty id', { id: '', kind: 'drop', subject: 'x' }, /^rule\.id: /],
    ['numeric id', { id: 3, kind: 'drop', subject: 'x' }, /^rule\.id: /],
    ['unknown kind', { kind: 'explode', subject: 'x' }, /^rule\.kind: expected one of drop, delay, duplicate, reorder, got "explode"$/],
    ['missing kind', { subject: 'x' }, /^rule\.kind: /],
    ['missing subject', { kind: 'drop' }, /^rule\.subject: /],
    ['empty subject', { kind: 'drop', subject: '' }, /^rule\.subject: /],
    ['probability above 1', { kind: 'drop', subject: 'x', probability: 1.5 }, /^rule\.probability: expected a number in \[0, 1\], got 1\.5$/],
    ['negative probability', { kind: 'drop', subject: 'x', probability: -0.1 }, /^rule\.probability: /],
    ['NaN probability', { kind: 'drop', subject: 'x', probability: Number.NaN }, /^rule\.probability: /],
    ['string probability', { kind: 'drop', subject: 'x', probability: '0.5' }, /^rule\.probability: /],
    ['negative delay', { kind: 'delay', subject: 'x', delayMs: -1 }, /^rule\.delayMs: expected a non-negative number, got -1$/],
    ['infinite delay', { kind: 'delay', subject: 'x', delayMs: Number.POSITIVE_INFINITY }, /^rule\.delayMs: /],
    ['string jitter', { kind: 'delay', subject: 'x', jitterMs: '5' }, /^rule\.jitterMs: /],
    ['eventTypes not a list', { kind: 'drop', subject: 'x', eventTypes: 'pods/binding' }, /^rule\.eventTypes: expected a non-empty list of event types, got "pods\/binding"$/],
    ['empty eventTypes', { kind: 'drop', subject: 'x', eventTypes: [] }, /^rule\.eventTypes: /],
    ['blank event type', { kind: 'drop', subject: 'x', eventTypes: ['a', ''] }, /^rule\.eventTypes: /],
  ]
  for (const [name, raw, message] of cases) {
    t.throws(() => parseFaultRule(raw), { name: 'TypeError', message }, name)
  }
  t.throws(() => parseFaultRule({ kind: 'nope', subject: 'x' }, 'rules[2]'), { message: /^rules\[2\]\.kind: / }, 'custom path prefix')
})

t.test('fault-rules - parsePartition accepts disjoint groups and copies them', async (t) => {
  const raw = [['a', 'b'], ['c'], []]
  const groups = parsePartition(raw)
  t.strictSame(groups, [['a', 'b'], ['c'], []])
  t.not(groups[0], raw[0], 'groups are copied')
})

t.test('fault-rules - parsePartition errors name the group', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not a list', 'a|b', /^groups: expected at least two groups/],
    ['one group', [['a', 'b']], /^groups: expected at least two groups/],
    ['group not a list', [['a'], 'b'], /^groups\[1\]: expected a list of host names$/],
    ['non-string host', [['a'], [2]], /^groups\[1\]: expected a list of host names$/],
    ['empty host', [[''], ['b']], /^groups\[0\]: expected a list of host names$/],
    ['host twice', [['a', 'b'], ['c', 'a']], /^groups\[1\]: host "a" is in two groups$/],
    ['host twice in one group', [['a', 'a'], ['c']], /^groups\[0\]: host "a" is in two groups$/],
  ]
  for (const [name, raw, message] of cases) t.throws(() => parsePartition(raw), { name: 'TypeError', message }, name)
})

t.test('fault-rules - hostsCutOff is everyone outside the own group', async (t) => {
  const groups = [['a', 'b'], ['c'], ['d', 'e']]
  t.strictSame([...hostsCutOff(groups, 'a')].sort(), ['c', 'd', 'e'])
  t.strictSame([...hostsCutOff(groups, 'c')].sort(), ['a', 'b', 'd', 'e'])
  t.strictSame([...hostsCutOff(groups, 'e')].sort(), ['a', 'b', 'c'])
  t.strictSame([...hostsCutOff(groups, 'z')].sort(), ['a', 'b', 'c', 'd', 'e'], 'a host in no group is cut off from every named host')
  t.notOk(hostsCutOff(groups, 'a').has('a'), 'never cut off from itself')
})

t.test('fault-rules - parseFaultRule keeps eventTypes, and has none when not given', async (t) => {
  t.strictSame(parseFaultRule({ kind: 'drop', subject: 'x', eventTypes: ['pods/binding'] }).eventTypes, ['pods/binding'])
  t.notOk('eventTypes' in parseFaultRule({ kind: 'drop', subject: 'x' }))
})
