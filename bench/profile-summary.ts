/**
 * Summarizes V8 CPU profiles (`.cpuprofile`, as written by `node --cpu-prof` or
 * AK_BENCH_CPU_PROF=DIR with bench/run.ts): self time per function and per package/file, busiest
 * first; `--inclusive=TEXT` adds time including callees for functions whose name contains TEXT
 * (`--inclusive=` lists them all). `node --import tsx bench/profile-summary.ts FILE... [--top=N] [--inclusive=TEXT]`
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly idleMs: number
  readonly byFunction: readonly { readonly name: string; readonly ms: number }[]
  readonly byModule: readonly { readonly name: string; readonly ms: number }[]
  /** Time spent in each function including its callees (recursion counted once per stack). */
  readonly inclusive: readonly { readonly name: string; readonly ms: number }[]
}

/** Where a script lives, coarsely: an npm package, a repository file, or a Node internal. */
export function moduleOf(url: string): string {
  if (url === '') return '(native/vm)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return 'node:internal'
  const repo = /\/(actors|runtime|bench)\/(.+)$/.exec(url)
  if (repo) return `${repo[1]}/${repo[2]}`
  return basename(url)
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const nameOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame
    const where = url ? `${moduleOf(url)}:${lineNumber + 1}` : ''
    return `${functionName || '(anonymous)'} ${where}`.trim()
  }
  // Inclusive time: walk the call tree, charging each sample to every distinct function on its stack.
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id)
  const inclusive = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)
      if (!node) break
      const name = nameOf(node)
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + us)
    }
  }
  const fn = new Map<string, number>()
  const mod = new Map<string, number>()
  let idle = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    if (!node) continue
    const { functionName, url } = node.callFrame
    if (functionName === '(idle)') idle += us
    const name = nameOf(node)
    fn.set(name, (fn.get(name) ?? 0) + us)
    const m = functionName.startsWith('(') ? functionName : moduleOf(url)
    mod.set(m, (mod.get(m) ?? 0) + us)
  }
  const sorted = (map: Map<string, number>) => [...map].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms)
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    idleMs: idle / 1000,
    byFunction: sorted(fn),
    byModule: sorted(mod),
    inclusive: sorted(inclusive),
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const focusArg = argv.find((a) => a.startsWith('--inclusive='))
  const focus = focusArg?.slice('--inclusive='.length)
  const topArg = argv.find((a) => a.startsWith('--top='))
  const top = topArg ? Number(topArg.slice('--top='.length)) : 25
  const files = argv.filter((a) => !a.startsWith('--'))
  if (files.length === 0 || !Number.isInteger(top) || top <= 0) {
    process.stderr.write('usage: bench/profile-summary.ts FILE.cpuprofile... [--top=N]\n')
    return 2
  }
  for (const file of files) {
    const summary = summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile)
    const busy = summary.totalMs - summary.idleMs
    const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`
    process.stdout.write(`\n== ${basename(file)}: ${summary.totalMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms (percentages of busy time)\n`)
    process.stdout.write('-- by module\n')
    for (const m of summary.byModule.filter((m) => m.name !== '(idle)').slice(0, 15)) process.stdout.write(`${pct(m.ms)} ${m.ms.toFixed(0).padStart(7)} ms  ${m.name}\n`)
    process.stdout.write('-- by function (self time)\n')
    for (const f of summary.byFunction.filter((f) => !f.name.startsWith('(idle)')).slice(0, top)) process.stdout.write(`${pct(f.ms)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}\n`)
    if (focus !== undefined) {
      process.stdout.write(`-- inclusive time, functions matching ${JSON.stringify(focus)}\n`)
      for (const f of summary.inclusive.filter((f) => f.name.includes(focus)).slice(0, top)) process.stdout.write(`${pct(f.ms)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}\n`)
    }
  }
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code))
}
