/**
 * What an informer change marks for the DaemonSet and StatefulSet controllers (their event
 * handlers in kube's daemon and statefulset controllers): a pod marks the set controlling it (an
 * orphan: every set of its namespace, which may adopt it) and settles a DaemonSet's expected
 * create; a node that appears, goes or changes labels, taints or schedulability marks every
 * DaemonSet; a set marks itself; a claim marks only the garbage collector (a StatefulSet's claims
 * are read when it runs). Applied by the manager next to change-marks.ts' marks. Pure.
 */
import type { Node } from '../kube/objects.ts'
import { controllerOf, keyOf } from './_util.ts'
import type { ControllerCaches, ObservedChange } from './caches.ts'
import type { ChangeMarks } from './change-marks.ts'
import { daemonSetExpectationsKey } from './daemonset.ts'
import { objectItem } from './work-item.ts'

type WorkloadChange = Extract<ObservedChange, { readonly cache: 'daemonSets' | 'statefulSets' | 'persistentVolumeClaims' | 'controllerRevisions' }>

/** The marks of a DaemonSet, StatefulSet or claim change (change-marks.ts hands these over). */
export function workloadObjectMarks(change: WorkloadChange, graph: boolean): ChangeMarks {
  const key = keyOf(change.object.metadata)
  switch (change.cache) {
    case 'daemonSets':
      return { items: [objectItem('daemonset', key)], wholeCluster: false, graph, ...(change.type === 'DELETED' ? { forgetExpectationsOf: daemonSetExpectationsKey(key) } : {}) }
    case 'statefulSets':
      return { items: [objectItem('statefulset', key)], wholeCluster: false, graph }
    case 'persistentVolumeClaims':
      // A claim's owners (retention policy Delete) are the garbage collector's.
      return { items: [], wholeCluster: false, graph }
    case 'controllerRevisions': {
      // A revision marks the set controlling it (kube's addHistory/updateHistory/deleteHistory).
      const ref = controllerOf(change.object.metadata)
      const work = ref?.kind === 'DaemonSet' ? 'daemonset' : ref?.kind === 'StatefulSet' ? 'statefulset' : undefined
      return { items: work === undefined ? [] : [objectItem(work, `${change.object.metadata.namespace ?? ''}/${ref!.name}`)], wholeCluster: false, graph }
    }
  }
}

/** What a pod or node change marks for the two controllers, beyond change-marks.ts' marks; undefined: nothing. */
export function workloadPodMarks(change: ObservedChange, caches: ControllerCaches): ChangeMarks | undefined {
  if (change.cache === 'nodes') return nodeFitChanged(change.object, change.previous, change.type) ? marks(caches.daemonSets.list().map((ds) => objectItem('daemonset', keyOf(ds.metadata)))) : undefined
  if (change.cache !== 'pods') return undefined
  const pod = change.object
  const ref = controllerOf(pod.metadata) ?? (change.previous ? controllerOf(change.previous.metadata) : undefined)
  const ns = pod.metadata.namespace ?? 'default'
  if (ref?.kind === 'DaemonSet') {
    const key = `${ns}/${ref.name}`
    return { ...marks([objectItem('daemonset', key)]), ...(change.type === 'ADDED' ? { createObservedFor: daemonSetExpectationsKey(key) } : {}) }
  }
  if (ref?.kind === 'StatefulSet') return marks([objectItem('statefulset', `${ns}/${ref.name}`)])
  if (ref !== undefined || change.type !== 'ADDED') return undefined
  const items = [...caches.daemonSets.inNamespace(ns).map((ds) => objectItem('daemonset', keyOf(ds.metadata))), ...caches.statefulSets.inNamespace(ns).map((s) => objectItem('statefulset', keyOf(s.metadata)))]
  return items.length > 0 ? marks(items) : undefined
}

const marks = (items: readonly string[]): ChangeMarks => ({ items, wholeCluster: false, graph: false })

/** Whether a node change can change which nodes a daemon pod fits (heartbeats do not). */
function nodeFitChanged(node: Node, previous: Node | undefined, type: ObservedChange['type']): boolean {
  if (type !== 'MODIFIED' || previous === undefined) return true
  const fit = (n: Node): string => JSON.stringify([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable])
  return fit(node) !== fit(previous)
}
