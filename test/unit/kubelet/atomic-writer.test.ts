/**
 * Kubernetes' AtomicWriter on a temporary directory (runtime/kubelet/atomic-writer.ts): files
 * behind `..data`, an update swapping it to a new timestamped directory, removed names losing
 * their links, the previous directory gone, modes kept (readOnly: no write bits).
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { PayloadFile } from '../../../actors/pod/volume-payload.ts'
import { currentDataDir, writeAtomically } from '../../../runtime/kubelet/atomic-writer.ts'

const file = (path: string, content: string, mode = 0o644, encoding: 'utf8' | 'base64' = 'utf8'): PayloadFile => ({ path, content, encoding, mode })
const T0 = Date.parse('2026-12-07T01:02:03Z')

t.test('atomic writer - first write, update, removed keys', async (t) => {
  const dir = join(t.testdir(), 'config')
  writeAtomically(dir, [file('game.properties', 'lives=3\n'), file('conf/ui.ini', 'color=red\n', 0o600), file('secret', 'czNjcmV0', 0o400, 'base64')], T0)
  const first = currentDataDir(dir)!
  t.match(first, /^\.\.2026_12_07_01_02_03\./, 'a timestamped directory')
  t.equal(readlinkSync(join(dir, '..data')), first, '..data points at it')
  t.equal(readlinkSync(join(dir, 'game.properties')), '..data/game.properties', 'a link per name, through ..data')
  t.equal(readlinkSync(join(dir, 'conf')), '..data/conf', 'a nested path: its first element linked')
  t.equal(readFileSync(join(dir, 'game.properties'), 'utf8'), 'lives=3\n')
  t.equal(readFileSync(join(dir, 'conf/ui.ini'), 'utf8'), 'color=red\n')
  t.equal(readFileSync(join(dir, 'secret'), 'utf8'), 's3cret', 'base64 decoded')
  t.equal(statSync(join(dir, 'conf/ui.ini')).mode & 0o777, 0o600, 'item mode')
  t.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o400)

  writeAtomically(dir, [file('game.properties', 'lives=5\n')], T0 + 60_000)
  const second = currentDataDir(dir)!
  t.not(second, first, 'an update: a new directory')
  t.equal(readFileSync(join(dir, 'game.properties'), 'utf8'), 'lives=5\n', 'the new content through the same link')
  t.throws(() => lstatSync(join(dir, 'conf')), 'a name no longer there loses its link')
  t.throws(() => lstatSync(join(dir, 'secret')))
  t.same(readdirSync(dir).sort(), ['..data', second, 'game.properties'].sort(), 'the old directory is gone, nothing else left')
})

t.test('atomic writer - readOnly takes the write bits off', async (t) => {
  const dir = join(t.testdir(), 'ro')
  writeAtomically(dir, [file('a', 'x', 0o664)], T0, { readOnly: true })
  t.equal(statSync(join(dir, 'a')).mode & 0o777, 0o444)
  writeAtomically(dir, [file('a', 'y', 0o664)], T0 + 1000, { readOnly: true })
  t.equal(readFileSync(join(dir, 'a'), 'utf8'), 'y', 'a read-only file set is still replaced')
})

t.test('atomic writer - an empty payload leaves only ..data', async (t) => {
  const dir = join(t.testdir(), 'empty')
  writeAtomically(dir, [file('a', 'x')], T0)
  writeAtomically(dir, [], T0 + 1000)
  t.same(readdirSync(dir).filter((n) => !n.startsWith('..')), [])
})
