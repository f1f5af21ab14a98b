/**
 * Table printers for DaemonSet and StatefulSet (apps/v1) and PodDisruptionBudget (policy/v1),
 * as Kubernetes' printDaemonSet, printStatefulSet and printPodDisruptionBudget lay them out.
 */
import { AGE_COL, CONTAINERS_COL, IMAGES_COL, NAME_COL, ageOf, arr, col, containerCells, formatLabelSelector, formatLabels, nameOf, num, obj } from './columns.ts'
import type { Printer } from './printers.ts'
import type { ContainerShape, KubeObject, LabelSelector } from './types.ts'

const templateSpec = (o: KubeObject): Record<string, unknown> => obj(obj(obj(o['spec'])['template'])['spec'])
const templateCells = (o: KubeObject): [string, string] => containerCells(arr<ContainerShape>(templateSpec(o)['containers']))

/** metav1.FormatLabelSelector: the selector's text, `<none>` when it selects everything. */
export const formatSelectorOrNone = (selector: unknown): string => formatLabelSelector(obj(selector) as LabelSelector) || '<none>'

const daemonSetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', 'A label query over pods that are managed by the daemon set.', 1),
  ],
  row: (ds, now) => {
    const status = obj(ds['status'])
    const [containers, images] = templateCells(ds)
    return {
      cells: [
        nameOf(ds),
        num(status['desiredNumberScheduled']),
        num(status['currentNumberScheduled']),
        num(status['numberReady']),
        num(status['updatedNumberScheduled']),
        num(status['numberAvailable']),
        formatLabels(obj(templateSpec(ds)['nodeSelector']) as Record<string, string>),
        ageOf(ds, now),
        containers,
        images,
        formatSelectorOrNone(obj(ds['spec'])['selector']),
      ],
    }
  },
}

const statefulSetPrinter: Printer = {
  columns: [NAME_COL, col('Ready', 'string', 'Number of the pod with ready state'), AGE_COL, CONTAINERS_COL, IMAGES_COL],
  row: (sts, now) => {
    const [containers, images] = templateCells(sts)
    return { cells: [nameOf(sts), `${num(obj(sts['status'])['readyReplicas'])}/${num(obj(sts['spec'])['replicas'])}`, ageOf(sts, now), containers, images] }
  },
}

/** intstr.IntOrString.String(), `N/A` when unset. */
const intOrStringText = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : 'N/A')

const podDisruptionBudgetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE_COL,
  ],
  row: (pdb, now) => {
    const spec = obj(pdb['spec'])
    return { cells: [nameOf(pdb), intOrStringText(spec['minAvailable']), intOrStringText(spec['maxUnavailable']), num(obj(pdb['status'])['disruptionsAllowed']), ageOf(pdb, now)] }
  },
}

/** By `<group>/<resource>`, as PRINTERS keys them. */
export const WORKLOAD_PRINTERS: Readonly<Record<string, Printer>> = {
  'apps/daemonsets': daemonSetPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'policy/poddisruptionbudgets': podDisruptionBudgetPrinter,
}
