import t from 'tap'
import { ConfigError, parseHostConfig, parseHostConfigYaml } from '../../runtime/host/config.ts'
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../runtime/codec.ts'
import { actorKinds } from '../../runtime/host/kinds.ts'

const configError = (fn: () => unknown): ConfigError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

t.test('config - a minimal YAML file gets every default', async (t) => {
  const config = parseHostConfigYaml('host: h1\nactors: []\n')
  t.strictSame(config, {
    cluster: 'c1',
    host: 'h1',
    nats: { servers: ['nats://127.0.0.1:4222'] },
    metricsPort: undefined,
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    seed: undefined,
    backoff: undefined,
    actors: [],
  })
})

t.test('config - actors get their kind defaults and parsed options', async (t) => {
  const config = parseHostConfigYaml(`
cluster: prod
host: master-1
nats:
  servers: nats://10.0.0.1:4222
metricsPort: 0
maxMessageBytes: 4096
seed: 42
backoff:
  initialMs: 50
actors:
  - kind: echo
    id: e1
  - kind: echo
    id: e2
    options: { blastBatch: 16 }
  - kind: member
    id: m1
    options:
      intervalMs: 200
      roles: [master]
`)
  t.equal(config.cluster, 'prod')
  t.strictSame(config.nats.servers, ['nats://10.0.0.1:4222'], 'a single server string becomes a list')
  t.equal(config.metricsPort, 0)
  t.equal(config.maxMessageBytes, 4096)
  t.equal(config.seed, 42)
  t.strictSame(config.backoff, { initialMs: 50, maxMs: 30_000, stableMs: 10_000 })
  t.strictSame(config.actors, [
    { kind: 'echo', id: 'e1', options: { blastBatch: 512 } },
    { kind: 'echo', id: 'e2', options: { blastBatch: 16 } },
    { kind: 'member', id: 'm1', options: { intervalMs: 200, timeoutMs: 700, roles: ['master'] } },
  ])
})

t.test('config - the same id under two kinds is allowed', async (t) => {
  const config = parseHostConfig({ host: 'h', actors: [{ kind: 'echo', id: 'h' }, { kind: 'member', id: 'h' }] })
  t.equal(config.actors.length, 2)
})

t.test('config - errors carry the source and the path of the field', async (t) => {
  // the unknown-kind error lists every kind of kinds.ts (a new kind must not break this test)
  t.same(Object.keys(actorKinds).slice(0, 3), ['echo', 'member', 'store'])
  const cases: Array<[string, unknown, string]> = [
    ['root not a mapping', [1], '(root): expected a mapping'],
    ['missing actors', { host: 'h' }, 'actors: expected a list of actors'],
    ['missing host', { actors: [] }, 'host: expected a non-empty string'],
    ['host with a dot', { host: 'a.b', actors: [] }, 'host: invalid host "a.b"'],
    ['cluster wildcard', { host: 'h', cluster: '*', actors: [] }, 'cluster: invalid cluster "*"'],
    ['actor not a mapping', { host: 'h', actors: ['echo'] }, 'actors[0]: expected a mapping'],
    ['unknown kind', { host: 'h', actors: [{ kind: 'pod', id: 'p' }] }, `actors[0].kind: unknown actor kind "pod" (known: ${Object.keys(actorKinds).join(', ')})`],
    ['missing id', { host: 'h', actors: [{ kind: 'echo' }] }, 'actors[0].id: expected a non-empty string'],
    ['id with space', { host: 'h', actors: [{ kind: 'echo', id: 'e 1' }] }, 'actors[0].id: invalid actors[0].id "e 1"'],
    ['duplicate id', { host: 'h', actors: [{ kind: 'echo', id: 'e1' }, { kind: 'echo', id: 'e1' }] }, 'actors[1].id: echo "e1" appears twice'],
    ['options not a mapping', { host: 'h', actors: [{ kind: 'echo', id: 'e', options: [1] }] }, 'actors[0].options: echo options: expected a mapping'],
    ['bad echo option', { host: 'h', actors: [{ kind: 'echo', id: 'e', options: { blastBatch: 0 } }] }, 'actors[0].options: echo.blastBatch: expected a positive number, got 0'],
    ['bad member roles', { host: 'h', actors: [{ kind: 'member', id: 'm', options: { roles: 'master' } }] }, 'actors[0].options: member.roles: expected a list of strings'],
    ['bad member interval', { host: 'h', actors: [{ kind: 'member', id: 'm', options: { intervalMs: '1s' } }] }, 'actors[0].options: member.intervalMs: expected a positive number, got "1s"'],
    ['nats not a mapping', { host: 'h', nats: 'x', actors: [] }, 'nats: expected a mapping'],
    ['empty server list', { host: 'h', nats: { servers: [] }, actors: [] }, 'nats.servers: expected at least one server URL'],
    ['bad server entry', { host: 'h', nats: { servers: ['nats://a', 3] }, actors: [] }, 'nats.servers[1]: expected a non-empty string'],
    ['metrics port too high', { host: 'h', metricsPort: 70000, actors: [] }, 'metricsPort: expected an integer from 0 to 65535'],
    ['fractional seed', { host: 'h', seed: 1.5, actors: [] }, 'seed: expected an integer from 0 to 4294967295'],
    ['tiny max message', { host: 'h', maxMessageBytes: 10, actors: [] }, 'maxMessageBytes: expected an integer from 64 to 67108864'],
    ['backoff not a mapping', { host: 'h', backoff: 5, actors: [] }, 'backoff: expected a mapping'],
    ['backoff zero', { host: 'h', backoff: { maxMs: 0 }, actors: [] }, 'backoff.maxMs: expected an integer from 1 to 3600000'],
  ]
  for (const [name, raw, message] of cases) {
    const error = configError(() => parseHostConfig(raw, 'hosts/h.yaml'))
    t.equal(error.name, 'ConfigError', name)
    t.ok(error.message.startsWith(`hosts/h.yaml: ${message}`), `${name}: ${error.message}`)
  }
})

t.test('config - the first failing field is reported, in document order', async (t) => {
  const error = configError(() => parseHostConfig({ host: 'h', actors: [{ kind: 'echo', id: 'ok' }, { kind: 'nope', id: 'x' }, { kind: 'echo' }] }))
  t.match(error.message, /^config: actors\[1\]\.kind: /)
})

t.test('config - YAML that does not parse is a ConfigError naming the source', async (t) => {
  const error = configError(() => parseHostConfigYaml('host: [unclosed\nactors: []\n', 'h1.yaml'))
  t.match(error.message, /^h1\.yaml: not valid YAML: /)
})

t.test('config - a YAML scalar or empty document is refused as a root that is not a mapping', async (t) => {
  t.match(configError(() => parseHostConfigYaml('just a string')).message, /^config: \(root\): expected a mapping/)
  t.match(configError(() => parseHostConfigYaml('')).message, /^config: \(root\): expected a mapping/)
})

t.test('config - a YAML alias bomb is refused before it expands', async (t) => {
  // Each level references the previous one nine times: 9^8 ≈ 43 million leaves if expanded.
  const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
  for (let i = 1; i <= 8; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`)
  const text = `host: h\nactors: []\n${levels.join('\n')}\n`
  const error = configError(() => parseHostConfigYaml(text, 'bomb.yaml'))
  t.match(error.message, /^bomb\.yaml: not valid YAML: .*alias/i)
})

t.test('config - a few ordinary aliases are fine', async (t) => {
  const text = `
host: h
x-echo: &echo { kind: echo, options: { blastBatch: 8 } }
actors:
  - { <<: *echo, id: e1 }
  - { kind: echo, id: e2, options: *echo }
`
  // `<<` merge keys are not enabled in YAML 1.2 core: the first entry keeps a literal "<<" key and has no kind.
  const error = configError(() => parseHostConfigYaml(text))
  t.match(error.message, /actors\[0\]\.kind: expected a non-empty string/)
  const ok = parseHostConfigYaml(`
host: h
x-defaults: &opts { blastBatch: 8 }
actors:
  - { kind: echo, id: e1, options: *opts }
  - { kind: echo, id: e2, options: *opts }
`)
  t.strictSame(ok.actors.map((a) => a.options), [{ blastBatch: 8 }, { blastBatch: 8 }])
})

t.test('config - an unknown field is refused with its path, x- fields are free', async (t) => {
  t.match(configError(() => parseHostConfigYaml('host: h\nmetricPort: 9\nactors: []\n')).message, /config: metricPort: unknown field/)
  t.match(configError(() => parseHostConfigYaml('host: h\nnats: { server: [x] }\nactors: []\n')).message, /config: nats\.server: unknown field/)
  t.match(
    configError(() => parseHostConfigYaml('host: h\nactors: [{ kind: echo, id: e, option: {} }]\n')).message,
    /config: actors\[0\]\.option: unknown field/,
  )
  t.equal(parseHostConfigYaml('host: h\nx-notes: anything\nactors: []\n').host, 'h')
})
