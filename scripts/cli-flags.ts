/** What the scripts' command lines share: an integer flag, checked, with a RangeError naming it. */
export function integerFlag(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new RangeError(`--${flag}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`)
  return n
}
