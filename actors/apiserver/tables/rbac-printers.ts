/**
 * Table printers for rbac.authorization.k8s.io/v1, as Kubernetes' printRole, printClusterRole,
 * printRoleBinding and printClusterRoleBinding lay them out: roles show their creation time,
 * bindings the role they grant and (wide) their users, groups and service accounts.
 */
import { AGE_COL, NAME_COL, ageOf, arr, col, nameOf, obj, str } from './columns.ts'
import type { Printer } from './printers.ts'
import type { KubeObject } from './types.ts'

const CREATED_AT_COL = col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.')

/** `time.RFC3339` of the creation time, as printRole writes it (seconds, `Z`). */
const createdAt = (o: KubeObject): string => {
  const at = Date.parse(str(o.metadata?.creationTimestamp))
  return Number.isNaN(at) ? '' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const rolePrinter: Printer = {
  columns: [NAME_COL, CREATED_AT_COL],
  row: (role) => ({ cells: [nameOf(role), createdAt(role)] }),
}

/** rbac.SubjectsStrings: users, groups and service accounts (`namespace/name`), each joined by ", ". */
const subjectCells = (binding: KubeObject): [string, string, string] => {
  const subjects = arr<unknown>(binding['subjects']).map(obj)
  const named = (kind: string) => subjects.filter((s) => s['kind'] === kind)
  return [
    named('User').map((s) => str(s['name'])).join(', '),
    named('Group').map((s) => str(s['name'])).join(', '),
    named('ServiceAccount').map((s) => `${str(s['namespace'])}/${str(s['name'])}`).join(', '),
  ]
}

const bindingPrinter = (kind: string): Printer => ({
  columns: [
    NAME_COL,
    col('Role', 'string', `RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.`),
    AGE_COL,
    col('Users', 'string', `Users in the ${kind}`, 1),
    col('Groups', 'string', `Groups in the ${kind}`, 1),
    col('ServiceAccounts', 'string', `ServiceAccounts in the ${kind}`, 1),
  ],
  row: (binding, now) => {
    const ref = obj(binding['roleRef'])
    return { cells: [nameOf(binding), `${str(ref['kind'])}/${str(ref['name'])}`, ageOf(binding, now), ...subjectCells(binding)] }
  },
})

export const RBAC_PRINTERS: Readonly<Record<string, Printer>> = {
  'rbac.authorization.k8s.io/roles': rolePrinter,
  'rbac.authorization.k8s.io/clusterroles': rolePrinter,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter('roleBinding'),
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter('clusterRoleBinding'),
}
