import t from 'tap'
import { addQuantities, formatMilliCpu, formatQuantity, milliCpu, milliValue, parseExact, parseQuantity, subtractQuantities, wholeUnits, ZERO_QUANTITY } from '../../actors/kube/quantity.ts'

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

t.test('exact quantities print as Kubernetes prints them (resource.Quantity String)', async (t) => {
  const cases: [string | number, string][] = [
    ['100m', '100m'],
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['2', '2'],
    ['2000', '2k'],
    ['1500', '1500'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Ki', '1536'],
    ['512', '512'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['1u', '1u'],
    ['0.1n', '1n'],
    ['0', '0'],
    ['-100m', '-100m'],
    [3, '3'],
  ]
  for (const [text, shown] of cases) t.equal(formatQuantity(parseExact(text)!), shown, String(text))
  t.equal(parseExact('12Zi'), undefined)
  t.equal(parseExact('lots'), undefined)
})

t.test('exact quantities add, subtract and compare without rounding', async (t) => {
  const q = (s: string) => parseExact(s)!
  t.equal(formatQuantity(addQuantities(q('128Mi'), q('64Mi'))), '192Mi')
  t.equal(formatQuantity(addQuantities(q('100m'), q('900m'))), '1')
  t.equal(formatQuantity(addQuantities(ZERO_QUANTITY, q('1Gi'))), '1Gi', 'zero takes the other format')
  t.equal(formatQuantity(subtractQuantities(q('1'), q('300m'))), '700m')
  t.equal(formatQuantity(addQuantities(q('0.1'), q('0.2'))), '300m', 'no floating point error')
  t.equal(milliValue(q('1u')), 1n, 'milli value rounds up')
  t.equal(milliValue(q('2')), 2000n)
})
