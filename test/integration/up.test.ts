/**
 * `actorkube up` end to end: the real CLI as a child process starts a NATS cluster (3 nats-servers) and two hosts,
 * says when it is ready, reports status, restarts a host killed with SIGKILL, and on SIGTERM stops
 * everything it started and exits 0.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { isAlive, pidsWithArgument } from '../helpers/processes.ts'
import { BIN, REPO, startUp } from '../helpers/up-process.ts'
import { waitFor, withTimeout } from '../helpers/wait.ts'

const run = promisify(execFile)
// Room to wait for another file's cluster with workers (test/helpers/loopback-lock.ts).
t.setTimeout(600_000)
const { stateDir, child: up, output, exited: upExit } = await startUp(t, ['--masters', '1', '--workers', '1', '--status-interval', '500', '--api-port', '0'], { stopTimeoutMs: 15_000 })

const hostPid = (host: string): number | undefined => pidsWithArgument(join(stateDir, 'hosts', `${host}.yaml`)).find(isAlive)
const readyCount = (host: string): number => {
  try {
    return readFileSync(join(stateDir, 'logs', `${host}.log`), 'utf8').split('\n').filter((l) => l.includes('"host ready"')).length
  } catch {
    return 0
  }
}
const isFullStatus = (line: string) => line.startsWith('status: 2/2 hosts answering')

t.test('up - starts the nats-servers and both hosts and says it is ready', async (t) => {
  const readyAt = await output.waitForLine((l) => l.startsWith('actorkube ready'), { timeoutMs: 60_000, what: '"actorkube ready"' })
  const ready = output.lines[readyAt]!
  t.match(ready, /^actorkube ready: cluster c1, nats nats:\/\/127\.0\.0\.1:\d+/, 'the ready line names the cluster and the NATS URL')
  t.match(ready, /master-1\(metrics :\d+\)/, 'master-1 is up with a metrics port')
  t.match(ready, /store leader master-1/, 'the store (one replica per master) has elected its leader')
  t.match(ready, /api https:\/\/127\.0\.0\.1:\d+ \(front door\), apiservers https:\/\/127\.0\.0\.1:\d+, kubeconfig /, 'the apiserver serves, behind the front door')
  t.match(readFileSync(join(stateDir, 'kubeconfig'), 'utf8'), /certificate-authority-data: \S+[\s\S]*token: \S+/, 'a kubeconfig with the CA and the admin token')
  t.match(ready, /worker-1\(metrics :\d+\)/, 'worker-1 is up with a metrics port')
  t.match(output.lines[0], /^nats: (nats:\/\/127\.0\.0\.1:\d+ ){3}\(cluster of 3 started by actorkube\)$/, 'up started its own NATS cluster of 3')
  t.ok(hostPid('master-1') && hostPid('worker-1'), 'both host processes are running')
})

t.test('up - the status line reports both hosts answering', async (t) => {
  const at = await output.waitForLine(isFullStatus, { timeoutMs: 10_000, what: 'a "status: 2/2" line' })
  t.match(output.lines[at], /^status: 2\/2 hosts answering, echo round trip median \d+\.\d+ ms, store leader master-1 at revision \d+$/, 'both echoes answer, with a round trip')
})

t.test('up - `actorkube store` writes and reads the cluster store of the running cluster', async (t) => {
  const cli = (...args: string[]) => run(process.execPath, [BIN, 'store', ...args, '--state-dir', stateDir], { cwd: REPO })
  const put = JSON.parse((await cli('put', '/demo/greeting', 'hello')).stdout) as { ok: boolean; revision: number }
  t.match(put, { ok: true, type: 'put' }, 'put answers with the new revision')
  const got = JSON.parse((await cli('get', '/demo/', '--prefix')).stdout) as { count: number; kvs: { key: string; value: string; modRevision: number }[] }
  t.equal(got.count, 1)
  t.match(got.kvs[0], { key: '/demo/greeting', value: 'hello', modRevision: put.revision })
  const status = (await cli('status')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; role: string })
  t.match(status, [{ id: 'master-1', role: 'leader' }], 'one replica per master, and it leads')
})

t.test('up - a host killed with SIGKILL is restarted and status returns to 2/2', async (t) => {
  const victim = hostPid('worker-1')
  t.ok(victim, 'found the worker-1 host process')
  const readyBefore = readyCount('worker-1')
  const mark = output.lines.length
  process.kill(victim!, 'SIGKILL')

  const exitedAt = await output.waitForLine((l) => l.startsWith('host worker-1 exited'), { from: mark, what: 'the "exited ... restarting" line' })
  t.match(output.lines[exitedAt], /^host worker-1 exited \(killed by SIGKILL\); restarting in \d+ ms \(see .*worker-1\.log\)$/, 'up reports the exit and the restart delay')

  const replacement = await waitFor(() => (readyCount('worker-1') > readyBefore ? hostPid('worker-1') : undefined), {
    timeoutMs: 30_000,
    what: 'a new worker-1 host to log "host ready"',
  })
  t.not(replacement, victim, 'worker-1 runs as a new process')
  t.notOk(isAlive(victim!), 'the killed process is gone')

  // Status rounds that began before the new host was ready may still say 1/2; a later one says 2/2.
  const afterRestart = output.lines.length
  const back = await output.waitForLine(isFullStatus, { from: afterRestart, timeoutMs: 15_000, what: 'status back at 2/2' })
  t.match(output.lines[back], /^status: 2\/2 hosts answering, echo round trip median \d+\.\d+ ms, store leader master-1 at revision \d+$/, 'both answer again, and the store kept its leader')
  t.notOk(output.lines.slice(mark).some((l) => l.startsWith('host master-1 exited')), 'master-1 was left alone')
})

t.test('up - SIGTERM stops every host and nats-server, prints "actorkube stopped" and exits 0', async (t) => {
  // Besides up itself (its --state-dir): the nats-servers (their configs) and the hosts (theirs) live there.
  const started = pidsWithArgument(stateDir).filter((pid) => pid !== up.pid && isAlive(pid))
  t.equal(started.length, 5, 'three nats-servers and two hosts run under the state directory')
  t.equal(started.filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nats-server')).length, 3, 'three of them are nats-servers')
  up.kill('SIGTERM')
  const code = await withTimeout(upExit, 30_000, 'up to exit after SIGTERM')
  t.equal(code, 0, 'up exits with code 0')
  t.ok(output.lines.includes('SIGTERM: stopping 2 hosts'), 'up announces the shutdown')
  t.equal(output.lines.at(-1), 'actorkube stopped', 'the last line is "actorkube stopped"')
  t.same(started.filter(isAlive), [], 'none of the processes it started is left')
  t.same(pidsWithArgument(stateDir).filter(isAlive), [], 'no process refers to the state directory any more')
})
