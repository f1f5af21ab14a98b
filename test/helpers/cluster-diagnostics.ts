/**
 * What an `actorkube up` cluster's hosts logged, for a failure message: a wait that times out in
 * CI on another machine leaves nothing else behind (the state dir is removed with the test), so
 * the hosts' warnings and leadership changes go into the error that fails the test.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

const WARN = 40
/** Info lines worth seeing among the warnings: who led what, and when. */
const NOTABLE = /became leader|lost leadership|chaos|restart/i

/**
 * The last `limit` warning-or-worse lines and notable info lines of every host's log under
 * `stateDir/logs`, oldest first, one short line each.
 */
export async function hostLogDigest(stateDir: string, limit = 40): Promise<string> {
  const dir = join(stateDir, 'logs')
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.log'))
  const lines: { time: number; text: string }[] = []
  for (const file of files) {
    const host = file.replace(/\.log$/, '')
    for (const raw of (await readFile(join(dir, file), 'utf8').catch(() => '')).split('\n')) {
      const line = digestLine(host, raw)
      if (line !== undefined) lines.push(line)
    }
  }
  lines.sort((a, b) => a.time - b.time)
  return lines.slice(-limit).map((l) => l.text).join('\n')
}

function digestLine(host: string, raw: string): { time: number; text: string } | undefined {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(raw) as Record<string, unknown>
  } catch {
    return undefined
  }
  const level = Number(entry.level)
  const msg = String(entry.msg ?? '')
  if (!(level >= WARN || NOTABLE.test(msg))) return undefined
  const time = Number(entry.time)
  const { level: _l, time: _t, msg: _m, pid: _p, hostname: _h, host: _host, cluster: _c, ...rest } = entry
  const text = `${new Date(time).toISOString().slice(11, 23)} ${host} ${level >= WARN ? 'WARN ' : ''}${msg} ${JSON.stringify(rest)}`
  return { time, text: text.length > 400 ? `${text.slice(0, 400)}...` : text }
}

/**
 * `work`, or, when it fails, its error with `explain()`'s account appended to the message (a
 * failing assertion's message is what CI's summary shows).
 */
export async function explainedOnFailure<T>(work: Promise<T>, explain: () => Promise<string>): Promise<T> {
  try {
    return await work
  } catch (error) {
    const account = await explain().catch((e: unknown) => `(no account: ${String(e)})`)
    if (error instanceof Error) {
      error.message = `${error.message}\n${account}`
      throw error
    }
    throw new Error(`${String(error)}\n${account}`)
  }
}
