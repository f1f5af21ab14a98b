/**
 * The metric probe's PromQL subset (actors/chaos/metric-expr.ts): what parses and to what, what is
 * refused and where, and evaluation over scrapes (selectors with = != =~ !~, sum/max/min/count
 * with by, rate/increase from two scrapes with counter resets, the trailing comparison).
 */
import t from 'tap'
import { checkMetricQuery, evaluate, lookbackMs, MetricSyntaxError, parseMetricQuery, type Sample, type Scrape } from '../../../actors/chaos/metric-expr.ts'
import { parsePrometheusText } from '../../../actors/chaos/metric-exposition.ts'

t.test('metric expr - parses the subset', async (t) => {
  t.same(parseMetricQuery('up'), { expr: { type: 'selector', matchers: [{ label: '__name__', op: '=', value: 'up' }] } })
  t.same(parseMetricQuery(`x{a="1", b!='2',c=~"m.*",d!~"n|o",} >= 3`), {
    expr: { type: 'selector', matchers: [{ label: '__name__', op: '=', value: 'x' }, { label: 'a', op: '=', value: '1' }, { label: 'b', op: '!=', value: '2' }, { label: 'c', op: '=~', value: 'm.*' }, { label: 'd', op: '!~', value: 'n|o' }] },
    compare: { op: '>=', value: 3 },
  })
  t.same(parseMetricQuery('sum by (host) (rate(c_total{k="v"}[30s]))'), { expr: { type: 'aggregate', op: 'sum', by: ['host'], expr: { type: 'range', fn: 'rate', selector: { matchers: [{ label: '__name__', op: '=', value: 'c_total' }, { label: 'k', op: '=', value: 'v' }] }, windowMs: 30_000 } } })
  t.same(parseMetricQuery('max(x) by (a, b)').expr, { type: 'aggregate', op: 'max', by: ['a', 'b'], expr: { type: 'selector', matchers: [{ label: '__name__', op: '=', value: 'x' }] } })
  t.same(parseMetricQuery('{job="j"}').expr, { type: 'selector', matchers: [{ label: 'job', op: '=', value: 'j' }] })
  t.same(parseMetricQuery('sum(increase(actorkube_actor_restarts_total[1m])) < 1').compare, { op: '<', value: 1 })
  t.equal(lookbackMs(parseMetricQuery('count(increase(x[2m]))').expr), 120_000)
  t.same(parseMetricQuery('sum{a="b"}').expr, { type: 'selector', matchers: [{ label: '__name__', op: '=', value: 'sum' }, { label: 'a', op: '=', value: 'b' }] }, 'a metric called sum is still a selector')
})

t.test('metric expr - refuses what is outside the subset, saying where', async (t) => {
  const refused: [string, RegExp][] = [
    ['avg(x)', /^unsupported function avg: supported are sum, max, min, count, rate, increase at column 1$/],
    ['x + 1', /^unexpected character "\+" at column 3$/],
    ['x{a=b}', /^expected a quoted string, found 'b' at column 5$/],
    ['x{a~"b"}', /^unexpected character "~" at column 4$/],
    ['x{a=~"("}', /^invalid regular expression "\(" at column 6$/],
    ['rate(x)', /^expected \[, found '\)' at column 7$/],
    ['rate(x[abc])', /^expected a duration like 30s, found 'abc' at column 8$/],
    ['sum without (a) (x)', /^unsupported: without/],
    ['x > y', /^expected a number, found 'y' at column 5$/],
    ['x{a="b"', /^expected ',' or '}', found the end at column 8$/],
    ['', /^expected a metric name or '\{', found the end at column 1$/],
    ['x y', /^expected the end of the expression .* found 'y' at column 3$/],
    ['x{a="b', /^unterminated string at column 5$/],
  ]
  for (const [text, message] of refused) {
    t.throws(() => parseMetricQuery(text), MetricSyntaxError, text)
    try {
      parseMetricQuery(text)
    } catch (error) {
      t.match((error as Error).message, message, text)
    }
  }
})

const s = (name: string, labels: Record<string, string>, value: number): Sample => ({ name, labels, value })
const scrapes: Scrape[] = [
  { at: 0, samples: [s('c_total', { host: 'a', k: 'x' }, 10), s('c_total', { host: 'b', k: 'x' }, 100), s('g', { host: 'a' }, 5)] },
  { at: 10_000, samples: [s('c_total', { host: 'a', k: 'x' }, 30), s('c_total', { host: 'b', k: 'x' }, 4), s('c_total', { host: 'c', k: 'y' }, 7), s('g', { host: 'a' }, 2), s('g', { host: 'b' }, 9)] },
]
const values = (text: string, at = scrapes) => evaluate(parseMetricQuery(text).expr, at).map((v) => v.value)

t.test('metric expr - evaluation over scrapes', async (t) => {
  t.same(values('g'), [2, 9], 'a selector reads the newest scrape')
  t.same(values('g{host!="a"}'), [9])
  t.same(values('c_total{host=~"a|b"}'), [30, 4])
  t.same(values('c_total{k!~"x"}'), [7])
  t.same(values('sum(g)'), [11])
  t.same(values('max(g)'), [9])
  t.same(values('min(g)'), [2])
  t.same(values('count(c_total)'), [3])
  t.same(evaluate(parseMetricQuery('sum by (k) (c_total)').expr, scrapes), [{ labels: { k: 'x' }, value: 34 }, { labels: { k: 'y' }, value: 7 }])
  t.same(values('increase(c_total[30s])'), [20, 4], 'b went down: reset, counted from 0; c has no earlier sample')
  t.same(values('rate(c_total[30s])'), [2, 0.4], 'per second over the 10 s between the scrapes')
  t.same(values('rate(c_total[5s])'), [], 'no earlier scrape inside the window: no rate')
  t.same(values('sum(rate(c_total[5s]))'), [0], 'sum of nothing is 0')
  t.same(values('max(rate(c_total[5s]))'), [], 'max of nothing is nothing')
  t.same(values('g', []), [], 'no scrape yet')
})

t.test('metric expr - a probe run: every sample must pass the trailing comparison and the comparator', async (t) => {
  t.same(checkMetricQuery(parseMetricQuery('sum(g)'), { op: '<', value: 20 }, scrapes), { ok: true })
  t.same(checkMetricQuery(parseMetricQuery('g'), { op: '<', value: 5 }, scrapes), { ok: false, error: '{host="b"} 9 is not < 5' })
  t.same(checkMetricQuery(parseMetricQuery('sum(g) > 100'), { op: '<', value: 1000 }, scrapes), { ok: false, error: '11 is not > 100 and < 1000' })
  t.same(checkMetricQuery(parseMetricQuery('nothing_here'), { op: '==', value: 0 }, scrapes), { ok: false, error: 'the expression has no samples' })
  t.same(checkMetricQuery(parseMetricQuery('sum(increase(nothing_here[1m]))'), { op: '<', value: 1 }, scrapes), { ok: true }, 'no restarts counted yet is 0 restarts')
})

t.test('metric expr - the exposition format, as prom-client writes it', async (t) => {
  const text = '# HELP c_total A counter\n# TYPE c_total counter\nc_total{host="a",msg="say \\"hi\\"\\n"} 3\nup 1 1700000000000\n\n'
  t.same(parsePrometheusText(text), [s('c_total', { host: 'a', msg: 'say "hi"\n' }, 3), s('up', {}, 1)])
})

t.test('metric expr - an experiment with an expression outside the subset is refused with its field path', async (t) => {
  const { validateChaosExperiment } = await import('../../../actors/apiserver/validation/chaos-kinds.ts')
  const experiment = (expr: string) => ({
    apiVersion: 'chaos.actorkube.io/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: 'm' },
    spec: { steadyState: { probes: [{ name: 'restarts', type: 'metric', metric: { expr, comparator: { op: '<', value: 1 } } }] }, method: { faults: [{ name: 'a', kind: 'host-kill', duration: '1s', target: { hosts: { roles: ['worker'] } } }] } },
  })
  t.same(validateChaosExperiment(experiment('sum(increase(actorkube_actor_restarts_total[30s]))')), [])
  t.same(validateChaosExperiment(experiment('avg(x)')).map((e) => `${e.field}: ${e.message}`), ['spec.steadyState.probes[0].metric.expr: Invalid value: "avg(x)": unsupported function avg: supported are sum, max, min, count, rate, increase at column 1'])
})
