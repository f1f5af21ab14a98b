import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'

import { Wal } from '../../../runtime/disk/wal.ts'
import { collectLines } from '../../helpers/processes.ts'
import { waitFor } from '../../helpers/wait.ts'
import { entry, tempDir } from './helpers.ts'

const child = fileURLToPath(new URL('./fixtures/wal-child.ts', import.meta.url))

t.test('every acknowledged append survives SIGKILL, over repeated crashes', async (t) => {
  const dir = await tempDir(t)
  let acknowledged = 0
  for (let round = 0; round < 3; round++) {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)))
    const out = collectLines(proc)
    const target = 500
    const acks = () => out.lines.filter((line) => line.startsWith('ack ')).length
    await waitFor(() => acks() >= target, { timeoutMs: 60_000, intervalMs: 5, what: `${target} acks` })
    proc.kill('SIGKILL')
    t.equal(await exited, 'SIGKILL')
    const errors = out.lines.filter((l) => l.startsWith('stderr: '))
    t.same(errors, [], 'the child wrote nothing to stderr')
    for (const line of out.lines) {
      if (line.startsWith('ack ')) acknowledged = Math.max(acknowledged, Number(line.slice(4)))
    }
    const { wal, recovered } = await Wal.open(dir)
    const last = recovered.entries.at(-1)?.index ?? 0
    t.ok(last >= acknowledged, `round ${round}: recovered up to ${last}, highest acknowledged ${acknowledged}`)
    t.equal(recovered.entries[0]?.index, 1)
    t.ok(
      recovered.entries.every((e, i) => e.index === i + 1 && Buffer.from(e.data).equals(entry(i + 1, 1, 64).data)),
      'the log is contiguous and intact',
    )
    t.ok((recovered.hardState?.commit ?? 0) >= acknowledged, 'the hard state is at least as new as the acks')
    await wal.close()
  }
})
