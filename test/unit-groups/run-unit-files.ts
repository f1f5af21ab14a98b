/**
 * Runs many unit test files in one process, so `npm test` pays node + tsx + tap + the imports once
 * per group instead of once per file (about 3 s of CPU each; ~245 files).
 *
 * tap runs the groups (test/unit-groups/*.test.ts); it never sees the unit files themselves
 * (package.json's "tap".include leaves test/unit out), and `npx tap test/unit/x.test.ts` still runs
 * one file alone. Every file runs inside a subtest named after its path, so its tests, its
 * assertions and its failures read as they do when tap runs the file: "<group> > test/unit/x.test.ts
 * > <test name>". While a file loads, the calls its top level makes on tap's root `t` (unit files call
 * `t.test` and `t.comment`; the hooks and `t.plan` are routed too) go to that subtest, so a root hook
 * or plan stays inside its own file. Files run one after another, never side by side.
 *
 * A file that cannot share a process (it changes process-wide state for good) is listed in
 * OWN_PROCESS and runs as a child process of its group, as tap would run it.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const UNIT_DIR = join(REPO_ROOT, 'test/unit')

/**
 * The groups, by directory of test/unit. A directory named nowhere, and the files directly in
 * test/unit, run in the group "rest": a new directory is never left out. Each group has its runner,
 * test/unit-groups/<group>.test.ts. Roughly balanced, so tap's two jobs end together; seconds a group
 * took on the loaded 2-core CI machine (2026-12-06): store 21-32, sim 23-29, apiserver 16-18, disk
 * 7-15, controllers 6-13, rest 6-7, nodes 3-4. Split a group that nears the 240 s it is given.
 */
export const UNIT_GROUPS: Readonly<Record<string, readonly string[]>> = {
  apiserver: ['apiserver'],
  store: ['store'],
  disk: ['disk', 'check'],
  controllers: ['controllers', 'scheduler', 'leader'],
  nodes: ['kubelet', 'pod', 'cri', 'proxy', 'events'],
  sim: ['sim', 'sim-invariants', 'chaos', 'charts'],
}
const REST = 'rest'

/** Files (paths from test/unit) that run in a child process of their group; say why for each. */
const OWN_PROCESS: readonly string[] = []

/** The methods of the root `t` a unit file may call at its top level, routed to the file's subtest. */
const ROUTED = ['test', 'todo', 'skip', 'comment', 'plan', 'before', 'beforeEach', 'after', 'afterEach', 'teardown'] as const

/** All unit test files, as paths from the repository root, in the order tap would run them. */
export function unitTestFiles(): string[] {
  return readdirSync(UNIT_DIR, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.test.ts'))
    .map((path) => relative(REPO_ROOT, join(UNIT_DIR, path)).split('\\').join('/'))
    .sort((a, b) => a.localeCompare(b, 'en'))
}

/** The group a unit test file (a path from the repository root) belongs to. */
export function groupOf(file: string): string {
  const parts = file.slice('test/unit/'.length).split('/')
  if (parts.length === 1) return REST
  const named = Object.entries(UNIT_GROUPS).find(([, dirs]) => dirs.includes(parts[0]!))
  return named?.[0] ?? REST
}

/** Runs the files of `group`, each in its own subtest; tap reports the group as one test file. */
export async function runUnitGroup(group: string): Promise<void> {
  if (group !== REST && !(group in UNIT_GROUPS)) throw new RangeError(`unknown unit test group ${JSON.stringify(group)}; known: ${[...Object.keys(UNIT_GROUPS), REST].join(', ')}`)
  if (group === REST) checkRunnersExist()
  const files = unitTestFiles().filter((file) => groupOf(file) === group)
  // Each file keeps the timeout it has when tap runs it alone; the group gets twice that, enough for
  // all its files together, and still fails a process that never exits (a handle left open).
  const fileTimeout = Number(process.env.TAP_TIMEOUT ?? '30') * 1000
  t.setTimeout(2 * fileTimeout)
  for (const file of files) {
    if (OWN_PROCESS.includes(file.slice('test/unit/'.length))) await t.spawn(process.execPath, [...process.execArgv, join(REPO_ROOT, file)], { timeout: fileTimeout }, file)
    else await runInSubtest(file, fileTimeout)
  }
}

/** A group without its runner file would never run: the group "rest" fails for it. */
function checkRunnersExist(): void {
  t.test('unit groups - every group has its runner file', async (t) => {
    for (const group of Object.keys(UNIT_GROUPS)) t.ok(existsSync(join(REPO_ROOT, 'test/unit-groups', `${group}.test.ts`)), `test/unit-groups/${group}.test.ts runs the group ${group}`)
  })
}

/**
 * Runs `file` inside a subtest named after it. Only while the file loads (when its top level calls
 * `t.test`, `t.comment`, ...) do the root's methods lead to that subtest: tap's own end of the root
 * calls `this.plan` and `this.comment`, which must stay the root's.
 */
async function runInSubtest(file: string, timeout: number): Promise<void> {
  await t.test(file, { timeout }, async (fileTest: Test) => {
    const root = t as unknown as Record<string, unknown>
    const target = fileTest as unknown as Record<string, (...args: unknown[]) => unknown>
    const saved = new Map(ROUTED.map((name) => [name, root[name]]))
    for (const name of ROUTED) root[name] = target[name]!.bind(fileTest)
    try {
      await import(pathToFileURL(join(REPO_ROOT, file)).href)
    } finally {
      for (const [name, method] of saved) root[name] = method
    }
  })
}
