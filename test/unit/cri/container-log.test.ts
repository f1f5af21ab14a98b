import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ContainerLog } from '../../../runtime/cri/process/container-log.ts'
import { readLogLines } from '../../../runtime/cri/process/log-files.ts'

function tempLog(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ak-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, '0.log')
}

t.test('container log - CRI records, unfinished lines held back until their newline or close', async (t) => {
  const path = tempLog(t)
  let now = Date.UTC(2026, 0, 1)
  const log = new ContainerLog(path, {}, () => now)
  log.write('stdout', 'hello\nwor')
  log.write('stderr', 'oops\n')
  now += 1000
  log.write('stdout', 'ld\ntail')
  log.close()
  t.equal(
    readFileSync(path, 'utf8'),
    '2026-01-01T00:00:00.000Z stdout F hello\n2026-01-01T00:00:00.000Z stderr F oops\n2026-01-01T00:00:01.000Z stdout F world\n2026-01-01T00:00:01.000Z stdout F tail\n',
  )
  t.same(readLogLines(path, 5).map((l) => l.text), ['hello', 'oops', 'world', 'tail'])
  t.equal(readLogLines(path, 5)[2]!.time, Date.UTC(2026, 0, 1, 0, 0, 1))
})

t.test('container log - a line longer than 16 KiB is written in pieces and read back whole', async (t) => {
  const path = tempLog(t)
  const log = new ContainerLog(path)
  const long = 'x'.repeat(40_000)
  log.write('stdout', long)
  log.write('stdout', '\nnext\n')
  log.close()
  t.match(readFileSync(path, 'utf8'), / stdout P x/)
  t.same(readLogLines(path, 5).map((l) => l.text.length), [40_000, 4])
})

t.test('container log - rotates by size and keeps maxFiles files; readers see the newest lines in order', async (t) => {
  const path = tempLog(t)
  const log = new ContainerLog(path, { maxBytes: 1000, maxFiles: 3 })
  for (let i = 0; i < 100; i++) log.write('stdout', `line ${String(i).padStart(3, '0')}\n`)
  log.close()
  t.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`))
  t.notOk(existsSync(`${path}.3`))
  for (const file of [path, `${path}.1`, `${path}.2`]) t.ok(readFileSync(file).length <= 1000, file)
  const lines = readLogLines(path, 3).map((l) => l.text)
  t.equal(lines.at(-1), 'line 099')
  t.ok(lines.length < 100 && lines.length > 40, `${lines.length} lines kept`)
  t.same(lines, [...lines].sort(), 'oldest first')
  t.same(readLogLines(path, 3, 5).slice(-5).map((l) => l.text), ['line 095', 'line 096', 'line 097', 'line 098', 'line 099'])
  log.remove()
  t.notOk(existsSync(path) || existsSync(`${path}.1`) || existsSync(`${path}.2`))
})

t.test('container log - followers get whole lines until close', async (t) => {
  const path = tempLog(t)
  const log = new ContainerLog(path)
  const seen: string[] = []
  let ended = false
  const unsubscribe = log.follow((line) => seen.push(line.text), () => (ended = true))
  log.write('stdout', 'a\nb')
  t.same(seen, ['a'])
  log.close()
  t.same(seen, ['a', 'b'])
  t.equal(ended, true)
  unsubscribe()
  let late = false
  log.follow(() => {}, () => (late = true))
  t.equal(late, true, 'following a closed log ends at once')
})
