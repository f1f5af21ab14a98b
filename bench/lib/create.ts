/** Creating objects from a benchmark driver. */
import type { ApiClient } from '../../runtime/apiserver/api-client.ts'

/**
 * POSTs `body` to `path`; 409 (it exists already: a retried create) counts as created. Returns
 * undefined when created, else the failure in one line (status and body, or the thrown error).
 */
export async function createObject(api: ApiClient, path: string, body: unknown): Promise<string | undefined> {
  try {
    const r = await api.call('POST', path, { body })
    return r.status >= 300 && r.status !== 409 ? `${r.status} ${JSON.stringify(r.body).slice(0, 200)}` : undefined
  } catch (error) {
    return String(error)
  }
}
