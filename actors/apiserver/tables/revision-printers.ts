/**
 * `kubectl get controllerrevisions`: kubectl's columns (printers.go printControllerRevision):
 * NAME, CONTROLLER (`daemonset.apps/agent`, `<none>` without one), REVISION, AGE.
 */
import { AGE_COL, NAME_COL, ageOf, col, nameOf } from './columns.ts'
import type { Printer } from './printers.ts'

interface OwnerShape {
  readonly apiVersion?: string
  readonly kind?: string
  readonly name?: string
  readonly controller?: boolean
}

/** `<kind>.<group>/<name>` of the controller, lower-case kind, as kubectl prints it. */
function controllerName(owners: readonly OwnerShape[] | undefined): string {
  const ref = owners?.find((o) => o.controller === true)
  if (ref === undefined) return '<none>'
  const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : ''
  return `${(ref.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${ref.name ?? ''}`
}

const controllerRevisionPrinter: Printer = {
  columns: [NAME_COL, col('Controller', 'string', 'Controller of the object'), col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'), AGE_COL],
  row: (cr, now) => ({
    cells: [nameOf(cr), controllerName(cr.metadata?.ownerReferences as readonly OwnerShape[] | undefined), typeof cr['revision'] === 'number' ? cr['revision'] : 0, ageOf(cr, now)],
  }),
}

export const REVISION_PRINTERS: Readonly<Record<string, Printer>> = { 'apps/controllerrevisions': controllerRevisionPrinter }
