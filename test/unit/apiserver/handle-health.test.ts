/** handle(): /livez, /healthz and /readyz (ready = the store answers a current read). */
import t from 'tap'
import { handle } from '../../../actors/apiserver/handle.ts'
import { makePorts, MemoryObjects, request } from './memory-objects.ts'

t.test('health - /livez and /healthz answer ok', async (t) => {
  for (const path of ['/livez', '/healthz']) {
    const r = await handle(request('GET', path), makePorts())
    t.match(r, { kind: 'raw', status: 200, body: 'ok' }, path)
  }
})

t.test('health - /readyz answers ok while the store answers', async (t) => {
  const r = await handle(request('GET', '/readyz'), makePorts())
  t.match(r, { kind: 'raw', status: 200, body: 'ok' })
})

t.test('health - /readyz answers 503 naming the store when a read fails', async (t) => {
  const objects = new MemoryObjects()
  objects.get = () => Promise.reject(new Error('no store leader'))
  const r = await handle(request('GET', '/readyz'), makePorts(objects))
  t.match(r, { kind: 'raw', status: 503, body: /store failed: no store leader/ })
})

t.test('health - a POST to /readyz is not a health check', async (t) => {
  const r = await handle(request('POST', '/readyz'), makePorts())
  t.not(r.status, 200)
})
