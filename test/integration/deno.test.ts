/**
 * Node and Deno side by side: one host under each runtime on the same nats-server exchange
 * messages both ways (blasts, actor-to-actor requests, raw requests, membership beats).
 */
import t from 'tap'
import { RawClient, echo, echoStats, member, probe } from '../helpers/client.ts'
import { startHost } from '../helpers/hosts.ts'
import { startNatsFor } from '../helpers/nats.ts'
import { waitFor } from '../helpers/wait.ts'

const nats = await startNatsFor(t)
const spec = (name: string) => ({
  host: name,
  actors: [
    { kind: 'echo', id: name },
    { kind: 'member', id: name, options: { intervalMs: 200 } },
  ] as const,
})
// Started together: Deno's start-up (a few seconds on a cold cache) overlaps Node's.
const [node, deno] = await Promise.all([startHost(t, nats.dir, nats.url, spec('n')), startHost(t, nats.dir, nats.url, spec('d'), { runtime: 'deno' })])
const client = await RawClient.connectFor(t, nats.url)

t.test('deno - each host runs on the runtime it was started with', async (t) => {
  t.match(node.ready.runtime, /^node /, `host n runs on ${String(node.ready.runtime)}`)
  t.match(deno.ready.runtime, /^deno /, `host d runs on ${String(deno.ready.runtime)}`)
})

for (const [from, to] of [
  ['n', 'd'],
  ['d', 'n'],
] as const) {
  t.test(`deno - a 2,000-ping blast from host ${from} to host ${to} arrives complete`, async (t) => {
    const count = 2_000
    const before = await echoStats(client, to)
    const reports = client.listen(probe(`blast-${from}`))
    await client.flush()
    await client.request(echo(from), { type: 'echo.blast', to: echo(to), count, report: probe(`blast-${from}`) })
    const [pong] = await reports.waitFor((events) => events.length > 0, { timeoutMs: 20_000, what: `the report from echo ${to}` })
    t.match(pong, { type: 'echo.pong', seq: count - 1, by: to, received: before.received + count }, `echo ${to} received all ${count} pings`)
  })

  t.test(`deno - echo ${from} requests echo ${to} 100 times in a row and every request is answered`, async (t) => {
    const reports = client.listen(probe(`pingpong-${from}`))
    await client.flush()
    await client.request(echo(from), { type: 'echo.pingpong', to: echo(to), count: 100, report: probe(`pingpong-${from}`) })
    const [done] = await reports.waitFor((events) => events.length > 0, { timeoutMs: 20_000, what: `the pingpong report from echo ${from}` })
    t.same(done, { type: 'echo.pingpong.done', by: from, count: 100, replies: 100, failed: 0 }, `all of ${from}'s requests were answered by ${to}`)
  })
}

t.test('deno - a raw client gets replies from both runtimes', async (t) => {
  const replies = await Promise.all(['n', 'd'].flatMap((id) => [1, 2, 3].map((seq) => client.request(echo(id), { type: 'echo.ping', seq }))))
  t.same(
    replies.map((r) => `${String(r.by)}:${String(r.seq)}`),
    ['n:1', 'n:2', 'n:3', 'd:1', 'd:2', 'd:3'],
    'every ping is answered by the echo it went to',
  )
})

t.test('deno - membership beats cross runtimes', async (t) => {
  for (const id of ['n', 'd']) {
    const peers = await waitFor(
      async () => {
        const view = await client.request(member(id), { type: 'member.view' })
        const peers = Object.keys(view.peers as Record<string, unknown>).sort()
        return peers.length === 2 ? peers : undefined
      },
      { what: `member ${id} to see both hosts` },
    )
    t.same(peers, ['d', 'n'], `member ${id} sees the Node and the Deno host`)
  }
})

t.test('deno - the Deno host stops on SIGTERM with exit code 0', async (t) => {
  t.equal(await deno.stop('SIGTERM'), 0, 'host d exits 0')
  t.ok(deno.logs().some((r) => r.msg === 'host stopped'), 'host d logs "host stopped"')
})
