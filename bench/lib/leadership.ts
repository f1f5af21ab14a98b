/** How often a leader-elected component changed hands during a benchmark case, from the hosts' logs. */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** "lost leadership" log lines for `lease` (default the kube-scheduler Lease) in every master host's log. */
export async function leadershipLosses(logsDir: string, lease = 'kube-scheduler'): Promise<number> {
  let n = 0
  const files = await readdir(logsDir).catch(() => [] as string[])
  for (const f of files.filter((f) => f.startsWith('master-'))) {
    const text = await readFile(join(logsDir, f), 'utf8').catch(() => '')
    for (const line of text.split('\n')) if (line.includes(`"lease":"${lease}"`) && line.includes('lost leadership')) n++
  }
  return n
}
