/** pick: round robin, retries past refused backends, ClientIP affinity. */
import t from 'tap'
import { INITIAL, pick, type TargetState } from '../../../actors/proxy/balancer.ts'
import type { Target } from '../../../actors/proxy/desired.ts'

const b = (last: number) => ({ ip: `127.1.0.${last}`, port: 8080 })
const target = (backends: number[], affinityMs?: number): Target => ({ id: 't', backends: backends.map(b), ...(affinityMs !== undefined ? { affinityMs } : {}) })

/** Picks for a sequence of [clientIP, now] and returns the chosen backends' last octets. */
function run(t0: Target | ((i: number) => Target), clients: [string, number][], exclude: Set<string> = new Set()): (number | undefined)[] {
  let state: TargetState = INITIAL
  return clients.map(([ip, now], i) => {
    const out = pick(state, typeof t0 === 'function' ? t0(i) : t0, ip, now, exclude)
    state = out.state
    return out.backend === undefined ? undefined : Number(out.backend.ip.split('.')[3])
  })
}

const c = (n: number, ip = '127.0.0.5'): [string, number][] => Array.from({ length: n }, (_, i) => [ip, i])

t.test('round robin', async (t) => {
  const table: { name: string; target: Target | ((i: number) => Target); clients: [string, number][]; exclude?: string[]; want: (number | undefined)[] }[] = [
    { name: 'cycles through every backend', target: target([2, 3, 4]), clients: c(7), want: [2, 3, 4, 2, 3, 4, 2] },
    { name: 'no backends', target: target([]), clients: c(2), want: [undefined, undefined] },
    { name: 'skips an excluded backend', target: target([2, 3, 4]), clients: c(4), exclude: ['127.1.0.3:8080'], want: [2, 4, 2, 4] },
    { name: 'all excluded', target: target([2]), clients: c(1), exclude: ['127.1.0.2:8080'], want: [undefined] },
    { name: 'a removed backend stops getting picks', target: (i) => (i < 2 ? target([2, 3, 4]) : target([2, 4])), clients: c(6), want: [2, 3, 2, 4, 2, 4] },
  ]
  for (const row of table) t.same(run(row.target, row.clients, new Set(row.exclude ?? [])), row.want, row.name)
})

t.test('ClientIP affinity', async (t) => {
  const table: { name: string; target: Target | ((i: number) => Target); clients: [string, number][]; exclude?: string[]; want: (number | undefined)[] }[] = [
    { name: 'a client keeps its backend; others spread', target: target([2, 3, 4], 1000), clients: [['a', 0], ['b', 1], ['a', 2], ['c', 3], ['a', 4], ['b', 5]], want: [2, 3, 2, 4, 2, 3] },
    { name: 'each connection renews the timeout', target: target([2, 3], 1000), clients: [['a', 0], ['a', 900], ['a', 1800], ['a', 2700]], want: [2, 2, 2, 2] },
    { name: 'after the timeout a client is balanced again', target: target([2, 3], 1000), clients: [['a', 0], ['a', 1000], ['a', 1500]], want: [2, 3, 3] },
    { name: 'its backend gone: a new one, kept from then on', target: (i) => (i === 0 ? target([2, 3], 1000) : target([3, 4], 1000)), clients: [['a', 0], ['a', 1], ['a', 2]], want: [2, 4, 4] },
    { name: 'its backend refusing: another', target: target([2, 3], 1000), clients: [['a', 0]], exclude: ['127.1.0.2:8080'], want: [3] },
  ]
  for (const row of table) t.same(run(row.target, row.clients, new Set(row.exclude ?? [])), row.want, row.name)
})

t.test('expired clients are forgotten', async (t) => {
  let state = pick(INITIAL, target([2], 100), 'a', 0).state
  state = pick(state, target([2], 100), 'b', 500).state
  t.same([...state.sticky.keys()], ['b'])
})
