/**
 * The template history of a DaemonSet or StatefulSet (k8s.io/kubernetes/pkg/controller/history
 * and the two controllers' constructHistory / truncateHistory): one ControllerRevision per
 * template version, named `<owner>-<hash>`, owned by the set, labelled with the template's
 * labels (so the set's selector finds it, as kubectl does) and `controller-revision-hash`. A new
 * template gets the next revision number; going back to an older template (`kubectl rollout
 * undo`) renumbers its revision as the newest instead of making another. Revisions no live pod
 * uses beyond `revisionHistoryLimit` (default 10) go, oldest first. Pure.
 */
import { CONTROLLER_REVISION_HASH_LABEL } from '../kube/apps.ts'
import type { ControllerRevision } from '../kube/controller-revision.ts'
import type { ObjectMeta, PodTemplateSpec } from '../kube/objects.ts'
import { type Action, collectionPath, pathOf, type TypeMeta } from './actions.ts'
import { controllerOf, controllerRef, isDeleting } from './_util.ts'

export const CONTROLLER_REVISION: TypeMeta = { apiVersion: 'apps/v1', kind: 'ControllerRevision' }

/** Kubernetes' default for both kinds. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10

export interface HistoryInput {
  readonly ownerType: TypeMeta
  readonly owner: { readonly metadata: ObjectMeta; readonly spec: { readonly template: PodTemplateSpec; readonly revisionHistoryLimit?: number } }
  /** The current template's hash (`controller-revision-hash` of its revision). */
  readonly hash: string
  /** The ControllerRevisions of the owner's namespace. */
  readonly revisions: readonly ControllerRevision[]
  /** Names of the revisions still in use (a live pod's template, a StatefulSet's current revision): never truncated. */
  readonly inUse: ReadonlySet<string>
}

/** The revision name of a set's template: `<set>-<hash>`. */
export const revisionName = (owner: { readonly metadata: ObjectMeta }, hash: string): string => `${owner.metadata.name ?? ''}-${hash}`

/** The revision's data: the strategic merge patch that puts the template back (`$patch: replace`), as kubectl applies it. */
export const revisionData = (template: PodTemplateSpec): unknown => ({ spec: { template: { ...template, $patch: 'replace' } } })

/** The owner's revisions, oldest first. */
export function ownedRevisions(owner: { readonly metadata: ObjectMeta }, revisions: readonly ControllerRevision[]): ControllerRevision[] {
  const uid = owner.metadata.uid
  return revisions.filter((r) => uid !== undefined && controllerOf(r.metadata)?.uid === uid && !isDeleting(r.metadata)).sort((a, b) => a.revision - b.revision)
}

/** The writes that make the history current: the template's revision (new or renumbered), then the truncation. */
export function syncHistory(input: HistoryInput): Action[] {
  const { owner } = input
  const owned = ownedRevisions(owner, input.revisions)
  const name = revisionName(owner, input.hash)
  const newest = owned.at(-1)?.revision ?? 0
  const current = owned.find((r) => r.metadata.name === name)
  const actions: Action[] = []
  if (current === undefined) actions.push({ type: 'create', path: collectionPath(CONTROLLER_REVISION, owner.metadata.namespace), object: newRevision(input, name, newest + 1) })
  else if (current.revision < newest) actions.push({ type: 'update', path: pathOf(CONTROLLER_REVISION, current), object: { ...CONTROLLER_REVISION, ...current, revision: newest + 1 } as ControllerRevision })
  const limit = owner.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT
  const old = owned.filter((r) => r.metadata.name !== name && !input.inUse.has(r.metadata.name ?? ''))
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    actions.push({ type: 'delete', path: pathOf(CONTROLLER_REVISION, r), preconditions: { uid: r.metadata.uid ?? '' } })
  }
  return actions
}

function newRevision(input: HistoryInput, name: string, revision: number): ControllerRevision {
  const { owner, ownerType, hash } = input
  const template = owner.spec.template
  return {
    ...CONTROLLER_REVISION,
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...template.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRef(ownerType, owner)],
    },
    data: revisionData(template),
    revision,
  } as ControllerRevision
}
