// actorkube/echo: answers every request with who served it, as JSON (or one text line for
// `Accept: text/plain` / `?format=text`), logs each request, and shuts down cleanly on SIGTERM.
import { createServer } from 'node:http'

const host = process.env.POD_IP || '0.0.0.0'
const port = Number(process.env.PORT || 8080)
const pod = process.env.POD_NAME || process.env.HOSTNAME || 'unknown'
const namespace = process.env.POD_NAMESPACE || 'default'
const node = process.env.NODE_NAME || ''

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const text = `echo from ${pod} (${namespace}) at ${host}:${port} on ${node}: ${request.method} ${url.pathname}`
  console.log(`${new Date().toISOString()} ${request.method} ${request.url} from ${request.socket.remoteAddress}`)
  if (url.searchParams.get('format') === 'text' || /^text\/plain/.test(request.headers.accept ?? '')) {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    response.end(`${text}\n`)
    return
  }
  const body = { pod, namespace, node, podIP: host, method: request.method, path: url.pathname, headers: request.headers, text }
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(`${JSON.stringify(body)}\n`)
})

server.listen(port, host, () => console.log(`echo ${pod} listening on ${host}:${port}`))

process.on('SIGTERM', () => {
  console.log('SIGTERM: finishing open requests, then exiting')
  server.close(() => process.exit(0))
  server.closeIdleConnections()
  // Keep-alive clients may hold the server open; the kubelet's SIGKILL would come anyway.
  setTimeout(() => process.exit(0), 5000).unref()
})
