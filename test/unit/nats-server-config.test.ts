/** natsServerConfig: the config file a nats-server of `up` starts from. */
import t from 'tap'
import { natsServerConfig } from '../../runtime/nats-server.ts'

t.test('nats-server config - a single server: only max_payload', async (t) => {
  t.equal(natsServerConfig(), 'max_payload: 8MB\n')
})

t.test('nats-server config - a cluster member: its name, the cluster, its route port and the routes it dials', async (t) => {
  const text = natsServerConfig({ name: 'c1', serverName: 'nats-2', routePort: 6223, routes: ['nats-route://127.0.0.1:6222', 'nats-route://127.0.0.1:6224'] })
  t.equal(
    text,
    ['max_payload: 8MB', 'server_name: "nats-2"', 'cluster {', '  name: "c1"', '  listen: "127.0.0.1:6223"', '  routes: ["nats-route://127.0.0.1:6222", "nats-route://127.0.0.1:6224"]', '}', ''].join('\n'),
  )
})

t.test('nats-server config - the first member: a free route port (-1) and no routes', async (t) => {
  const text = natsServerConfig({ name: 'c1', serverName: 'nats-1', routes: [] })
  t.match(text, /listen: "127\.0\.0\.1:-1"/)
  t.notMatch(text, /routes/)
})
