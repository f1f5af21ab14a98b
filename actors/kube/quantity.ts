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
