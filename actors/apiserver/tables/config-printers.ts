/**
 * Table printers for the core kinds that configure a namespace's workloads: Secret,
 * ServiceAccount and ResourceQuota (printSecret, printServiceAccount, printResourceQuota in
 * Kubernetes' pkg/printers/internalversion). LimitRanges need none: printLimitRange prints
 * Name and Created At, as the default printer does.
 */
import { AGE_COL, NAME_COL, ageOf, arr, col, nameOf, obj, str } from './columns.ts'
import type { Printer } from './printers.ts'

const secretPrinter: Printer = {
  columns: [NAME_COL, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 'Data contains the secret data.'), AGE_COL],
  row: (s, now) => ({ cells: [nameOf(s), str(s['type']), Object.keys(obj(s['data'])).length, ageOf(s, now)] }),
}

const serviceAccountPrinter: Printer = {
  columns: [NAME_COL, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE_COL],
  row: (sa, now) => ({ cells: [nameOf(sa), arr(sa['secrets']).length, ageOf(sa, now)] }),
}

/**
 * printResourceQuota: `resource: used/hard` for each resource in status.hard, sorted by name;
 * `limits.*` resources in the Limit column, the rest in Request. Empty until the quota's
 * status is written.
 */
export const quotaColumns = (status: Record<string, unknown>): { request: string; limit: string } => {
  const hard = obj(status['hard'])
  const used = obj(status['used'])
  const request: string[] = []
  const limit: string[] = []
  for (const resource of Object.keys(hard).sort()) {
    const cell = `${resource}: ${quantityText(used[resource])}/${quantityText(hard[resource])}`
    const pieces = resource.split('.')
    ;(pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(cell)
  }
  return { request: request.join(', '), limit: limit.join(', ') }
}

/** A quantity as stored (a zero Quantity prints "0"). */
const quantityText = (q: unknown): string => (typeof q === 'string' && q !== '' ? q : typeof q === 'number' ? String(q) : '0')

const resourceQuotaPrinter: Printer = {
  columns: [
    NAME_COL,
    AGE_COL,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row: (q, now) => {
    const { request, limit } = quotaColumns(obj(q['status']))
    return { cells: [nameOf(q), ageOf(q, now), request, limit] }
  },
}

/** By `<group>/<resource>`, as PRINTERS keys them. */
export const CONFIG_PRINTERS: Readonly<Record<string, Printer>> = {
  '/secrets': secretPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/resourcequotas': resourceQuotaPrinter,
}
