/**
 * Seeds for randomized tests. By default a test runs its fixed list, so `npm test` says the same
 * thing on every run; an environment variable (`RAFT_FUZZ_SEED=7` or `RAFT_FUZZ_SEED=7,8,9`)
 * replaces the list, to replay a failure or to explore fresh seeds (`npm run soak`).
 */
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The seeds named by `envVar` (comma-separated integers), or `defaults` when it is unset or empty.
 * A malformed value throws a RangeError quoting it: a typo must not silently run the defaults.
 */
export function seedsFrom(envVar: string, defaults: readonly number[], env: NodeJS.ProcessEnv = process.env): readonly number[] {
  const raw = env[envVar]?.trim()
  if (raw === undefined || raw === '') return defaults
  const seeds = raw.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part.trim())))
  if (!seeds.every((s) => Number.isSafeInteger(s))) {
    throw new RangeError(`${envVar}: expected integers separated by commas, got ${JSON.stringify(raw)}`)
  }
  return seeds
}

/**
 * The one-line command that replays `seeds` (a seed, a comma-separated list or a placeholder) of the
 * test file at `file` (a test passes `import.meta.url`; a path from the repository root also does).
 */
export function replayCommand(envVar: string, seeds: number | string, file: string): string {
  const path = file.startsWith('file:') ? relative(repoRoot, fileURLToPath(file)) : file
  return `${envVar}=${seeds} npx tap ${path}`
}

/** What a test prints before running a seed: the seed and how to replay it. */
export function seedComment(envVar: string, seed: number, fileUrl: string): string {
  return `seed ${seed} (replay: ${replayCommand(envVar, seed, fileUrl)})`
}

/** What a test running many quick seeds prints once: all of them and how to replay one. */
export function seedsComment(envVar: string, seeds: readonly number[], fileUrl: string): string {
  return `seeds ${seeds.join(',')} (replay one: ${replayCommand(envVar, '<seed>', fileUrl)})`
}
