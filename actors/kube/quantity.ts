/**
 * Kubernetes resource quantities ("100m", "2", "1.5", "128Mi", "1G", "1e3") as integers the
 * scheduler and kubelet can add: CPU in millicores, everything else in base units (bytes, pods),
 * rounded up as Kubernetes does when it compares requests with allocatable.
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 }
const DECIMAL: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 }
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/

/** The quantity's value in base units (cores, bytes), or undefined if it is not a quantity. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  const m = QUANTITY.exec(value.trim())
  if (m === null) return undefined
  const number = Number(m[1])
  if (m[3] !== undefined) return number * 10 ** Number(m[3])
  const suffix = m[2] ?? ''
  return number * (BINARY[suffix] ?? DECIMAL[suffix]!)
}

/** CPU in millicores, rounded up ("100m" -> 100, "1.5" -> 1500, "1u" -> 1). */
export function milliCpu(value: string | number | undefined): number {
  if (value === undefined) return 0
  const cores = parseQuantity(value)
  return cores === undefined ? 0 : Math.ceil(Math.round(cores * 1e9) / 1e6)
}

/** A non-CPU quantity in whole base units, rounded up ("128Mi" -> 134217728). */
export function wholeUnits(value: string | number | undefined): number {
  if (value === undefined) return 0
  const units = parseQuantity(value)
  return units === undefined ? 0 : Math.ceil(units - 1e-9)
}

/** Millicores back to Kubernetes' canonical text ("1500m", "2"). */
export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`
}

// ------------------------------------------------------------------ exact quantities
// Quota usage is summed and shown back to users ("used: requests.memory=192Mi"), so sums must be
// exact and printed as Kubernetes prints them (resource.Quantity's String): nano units in a bigint.

/** How a quantity is written: 1Ki (BinarySI), 1k / 100m (DecimalSI), 1e3 (DecimalExponent). */
export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent'

/** A quantity as Kubernetes' resource.Quantity holds it: exact (to a nano unit, rounded up) with its format. */
export interface Quantity {
  readonly nanos: bigint
  readonly format: QuantityFormat
}

const BINARY_BITS: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 }
const DECIMAL_EXPONENT: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 }
const DECIMAL_SUFFIX: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' }
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const
const NANO = 1_000_000_000n

const ceilDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? (a + b - 1n) / b : a / b)
const pow10 = (e: number): bigint => 10n ** BigInt(e)

/** The exact quantity, or undefined if `value` is not one. */
export function parseExact(value: string | number): Quantity | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim()
  const m = QUANTITY.exec(text)
  if (m === null) return undefined
  const [whole = '', fraction = ''] = m[1]!.replace(/^[+-]/, '').split('.')
  const sign = m[1]!.startsWith('-') ? -1n : 1n
  let numerator = BigInt(`${whole}${fraction}` || '0') * NANO
  let denominator = pow10(fraction.length)
  let format: QuantityFormat = 'DecimalSI'
  if (m[3] !== undefined) {
    format = 'DecimalExponent'
    const e = Number(m[3])
    if (Math.abs(e) > 30) return undefined
    if (e >= 0) numerator *= pow10(e)
    else denominator *= pow10(-e)
  } else if (m[2] !== undefined && BINARY_BITS[m[2]] !== undefined) {
    format = 'BinarySI'
    numerator *= 2n ** BigInt(BINARY_BITS[m[2]]!)
  } else {
    const e = DECIMAL_EXPONENT[m[2] ?? '']!
    if (e >= 0) numerator *= pow10(e)
    else denominator *= pow10(-e)
  }
  return { nanos: sign * ceilDiv(numerator, denominator), format }
}

/** Kubernetes' canonical text: "1500m", "2", "1Gi", "1536Mi", "1e3", "0". */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0'
  const sign = q.nanos < 0n ? '-' : ''
  const abs = q.nanos < 0n ? -q.nanos : q.nanos
  // A binary quantity of whole units from 1024 up keeps a binary suffix; anything else is decimal.
  if (q.format === 'BinarySI' && abs % NANO === 0n && abs >= 1024n * NANO) {
    let units = abs / NANO
    let power = 0
    while (power < BINARY_SUFFIX.length - 1 && units % 1024n === 0n) {
      units /= 1024n
      power++
    }
    return `${sign}${units}${BINARY_SUFFIX[power]}`
  }
  let mantissa = abs
  let exponent = -9
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n
    exponent += 3
  }
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`
  return `${sign}${mantissa}${DECIMAL_SUFFIX[exponent]}`
}

/** a + b, in a's format (b's when a is zero, as Quantity.Add). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format }
}

/** a - b, in a's format. */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.format }
}

/** Quantity.MilliValue: thousandths of a unit, rounded up. */
export function milliValue(q: Quantity): bigint {
  return ceilDiv(q.nanos, 1_000_000n)
}

export const ZERO_QUANTITY: Quantity = { nanos: 0n, format: 'DecimalSI' }
