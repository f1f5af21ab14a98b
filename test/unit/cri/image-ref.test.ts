import t from 'tap'
import { parseImageRef } from '../../../runtime/cri/image-ref.ts'
import { formatLogLine, selectLogLines } from '../../../runtime/cri/log-select.ts'

t.test('image ref - tags, digests, docker.io prefixes and bad names', async (t) => {
  const echo = parseImageRef('actorkube/echo', 'actorkube')!
  t.equal(echo.repository, 'actorkube/echo')
  t.equal(echo.image, 'actorkube/echo:latest')
  t.match(echo.imageID, /^actorkube:\/\/actorkube\/echo@sha256:[0-9a-f]{64}$/)
  t.equal(parseImageRef('actorkube/echo', 'actorkube')!.imageID, echo.imageID, 'stable')
  t.equal(parseImageRef('actorkube/echo:1.0', 'actorkube')!.repository, 'actorkube/echo')
  t.equal(parseImageRef('actorkube/echo:1.0', 'actorkube')!.image, 'actorkube/echo:1.0')
  t.equal(parseImageRef('docker.io/library/busybox:1.36', 'x')!.repository, 'busybox')
  t.equal(parseImageRef('localhost:5000/app', 'x')!.repository, 'localhost:5000/app')
  t.equal(parseImageRef('app@sha256:abc', 'x')!.repository, 'app')
  t.equal(parseImageRef('app@sha256:abc', 'x')!.image, 'app@sha256:abc')
  for (const bad of [undefined, '', '  ', 'Upper/Case', 'a b']) t.equal(parseImageRef(bad, 'x'), undefined, String(bad))
})

t.test('log selection - since, tail and timestamps', async (t) => {
  const lines = [0, 1, 2, 3].map((i) => ({ time: 1_000_000 + i * 10_000, text: `line ${i}` }))
  t.same(selectLogLines(lines, { tailLines: 2 }, 0).map((l) => l.text), ['line 2', 'line 3'])
  t.same(selectLogLines(lines, { tailLines: 0 }, 0), [])
  t.same(selectLogLines(lines, { sinceSeconds: 15 }, 1_030_000).map((l) => l.text), ['line 2', 'line 3'])
  t.equal(formatLogLine(lines[0]!, {}), 'line 0\n')
  t.equal(formatLogLine(lines[0]!, { timestamps: true }), `${new Date(1_000_000).toISOString()} line 0\n`)
})
