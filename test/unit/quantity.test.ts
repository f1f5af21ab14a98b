import t from 'tap'
import { formatMilliCpu, milliCpu, parseQuantity, wholeUnits } from '../../actors/kube/quantity.ts'

t.test('CPU quantities become millicores, rounded up', async (t) => {
  const cases: [string | number, number][] = [
    ['100m', 100],
    ['1', 1000],
    ['1.5', 1500],
    ['0.1', 100],
    ['1u', 1],
    ['250000000n', 250],
    [2, 2000],
    ['1e-3', 1],
  ]
  for (const [text, milli] of cases) t.equal(milliCpu(text), milli, String(text))
  t.equal(milliCpu(undefined), 0)
  t.equal(milliCpu('lots'), 0)
})

t.test('memory quantities become bytes', async (t) => {
  const cases: [string, number][] = [
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['500k', 500_000],
    ['1e3', 1000],
    ['64', 64],
  ]
  for (const [text, bytes] of cases) t.equal(wholeUnits(text), bytes, text)
  t.equal(parseQuantity('12Zi'), undefined)
  t.equal(parseQuantity(''), undefined)
})

t.test('millicores format back canonically', async (t) => {
  t.equal(formatMilliCpu(2000), '2')
  t.equal(formatMilliCpu(1500), '1500m')
})
