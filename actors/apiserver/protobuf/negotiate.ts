/**
 * Response content negotiation: an answer goes out as protobuf when the client's Accept header
 * prefers `application/vnd.kubernetes.protobuf` (client-go's generated clients send
 * `application/vnd.kubernetes.protobuf,application/json`) and the object has an exact protobuf
 * form; otherwise as JSON, which every Kubernetes client also takes (as kube-apiserver does for
 * kinds without protobuf, such as CRDs). Lists, Tables and watch streams stay JSON.
 */
import { encodeProtobufObject, PROTOBUF_CONTENT_TYPE } from './codec.ts'

interface MediaRange {
  readonly type: string
  readonly params: ReadonlyMap<string, string>
  readonly q: number
}

function parseAccept(accept: string): MediaRange[] {
  const ranges = accept.split(',').flatMap((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim())
    if (type === '') return []
    const params = new Map(rest.map((p) => p.split('=', 2).map((s) => s.trim()) as [string, string]))
    const q = params.has('q') ? Number(params.get('q')) : 1
    return [{ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 }]
  })
  // Stable: equal weights keep the client's order.
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q)
}

const JSON_RANGES = new Set(['application/json', 'application/*', '*/*', 'application/yaml'])

/** Whether the first media type in `accept` that we serve for plain objects is protobuf. */
export function prefersProtobuf(accept: string): boolean {
  for (const range of parseAccept(accept)) {
    // `as=Table` and the like ask for a conversion we answer in JSON only.
    if (range.type === PROTOBUF_CONTENT_TYPE && !range.params.has('as')) return true
    if (JSON_RANGES.has(range.type) && !range.params.has('as')) return false
  }
  return false
}

/** The protobuf body for an answer, when the client prefers it and the body has an exact protobuf form. */
export function protobufAnswer(accept: string, body: unknown): Uint8Array | undefined {
  return prefersProtobuf(accept) ? encodeProtobufObject(body) : undefined
}
