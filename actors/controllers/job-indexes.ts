/**
 * An Indexed Job's completed (and failed) indexes as Kubernetes writes them in
 * `status.completedIndexes` / `failedIndexes` and reads them in a success policy's
 * `succeededIndexes`: sorted, comma-separated, runs of three or more consecutive indexes as
 * ranges (`0-2,5,7,8`). Pure.
 */

/** The indexes a `completedIndexes` text names, below `completions` if given; malformed parts are skipped. */
export function parseIndexes(text: string, completions = Infinity): number[] {
  const out: number[] = []
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (!m) continue
    const from = Number(m[1])
    const to = Math.min(m[2] !== undefined ? Number(m[2]) : from, completions - 1)
    for (let i = from; i <= to; i++) out.push(i)
  }
  return out
}

/** `[5, 0, 1, 2, 7, 8]` -> `0-2,5,7,8` (two in a row are listed, as Kubernetes' orderedIntervals.String). */
export function formatIndexes(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b)
  const runs: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    runs.push(i === j ? String(sorted[i]) : `${sorted[i]}${j === i + 1 ? ',' : '-'}${sorted[j]}`)
    i = j + 1
  }
  return runs.join(',')
}
