/**
 * The ServiceAccount controller's reconcile step (k8s.io/kubernetes/pkg/controller/serviceaccount,
 * ServiceAccountsController): every active namespace has a ServiceAccount named `default`; one
 * that is missing (a new namespace, or the account deleted) is created. A namespace being
 * deleted gets none, as Kubernetes skips terminating namespaces.
 */
import type { Namespace } from '../kube/objects.ts'
import { DEFAULT_SERVICE_ACCOUNT, type ServiceAccount } from '../kube/service-account.ts'
import { type Action, collectionPath } from './actions.ts'
import { isDeleting } from './_util.ts'

export const SERVICE_ACCOUNT = { apiVersion: 'v1', kind: 'ServiceAccount' } as const

/** The accounts every namespace must have (the controller's `ServiceAccounts` option). */
export const ENSURED_SERVICE_ACCOUNTS: readonly string[] = [DEFAULT_SERVICE_ACCOUNT]

export interface ServiceAccountsInput {
  readonly namespace: Namespace
  /** The ServiceAccounts of that namespace (the informer's view). */
  readonly serviceAccounts: readonly ServiceAccount[]
}

export interface ServiceAccountsResult {
  readonly actions: Action[]
}

export function reconcileServiceAccounts(input: ServiceAccountsInput): ServiceAccountsResult {
  const ns = input.namespace
  const name = ns.metadata.name
  if (isDeleting(ns.metadata) || ns.status?.phase === 'Terminating') return { actions: [] }
  const present = new Set(input.serviceAccounts.map((sa) => sa.metadata.name))
  const actions: Action[] = ENSURED_SERVICE_ACCOUNTS.filter((account) => !present.has(account)).map((account) => ({
    type: 'create',
    path: collectionPath(SERVICE_ACCOUNT, name),
    object: { ...SERVICE_ACCOUNT, metadata: { name: account, namespace: name } },
  }))
  return { actions }
}
