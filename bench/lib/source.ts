/** Which source a benchmark measured (the tree is shared with other work in progress). */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

/** The commit measured and the product files that differed from it (the tree is shared with other work). */
export function sourceState(): { commit: string; uncommittedProductFiles: string[] } | undefined {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8' })
    const dirty = git('status', '--porcelain', '--', 'actors', 'runtime', 'bin')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3))
    return { commit: git('rev-parse', 'HEAD').trim(), uncommittedProductFiles: dirty }
  } catch {
    return undefined
  }
}
