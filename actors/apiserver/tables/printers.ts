/**
 * Table printers for the served kinds, following Kubernetes' pkg/printers/internalversion
 * (printPod, printNode, printDeployment, ...). As the real API server does, every row
 * carries the wide (priority 1) cells too; kubectl drops them unless `-o wide`.
 */
import { since } from './duration.ts'
import { AGE_COL, CONTAINERS_COL, IMAGES_COL, NAME_COL, ageOf, arr, col, containerCells, formatLabelSelector, formatLabels, nameOf, num, obj, str } from './columns.ts'
import { CONFIG_PRINTERS } from './config-printers.ts'
import { NETWORKING_PRINTERS } from './networking-printers.ts'
import { REVISION_PRINTERS } from './revision-printers.ts'
import { STORAGE_PRINTERS } from './storage-printers.ts'
import { RBAC_PRINTERS } from './rbac-printers.ts'
import { WORKLOAD_PRINTERS } from './workload-printers.ts'
import { BATCH_PRINTERS } from './batch-printers.ts'
import { CHAOS_PRINTERS } from './chaos-printers.ts'
import type { Condition, ContainerShape, ContainerStatusShape, KubeObject, LabelSelector, TableColumnDefinition, TableRow, TableRowCondition } from './types.ts'

export interface Printer {
  readonly columns: readonly TableColumnDefinition[]
  /** Cells (and row conditions) of one object; `now` is epoch milliseconds. */
  readonly row: (obj: KubeObject, now: number) => { readonly cells: TableRow['cells']; readonly conditions?: readonly TableRowCondition[] }
}

export { formatLabels, formatLabelSelector } from './columns.ts'

// ---------------------------------------------------------------- pods

const POD_SUCCEEDED: readonly TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]
const POD_FAILED: readonly TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]

const later = (a: string, b: string | undefined): string => {
  if (!b) return a
  if (!a) return b
  return Date.parse(b) > Date.parse(a) ? b : a
}

/** printPod's READY, STATUS and RESTARTS logic (kubectl 1.32). */
export const podStatus = (pod: KubeObject, now: number): { ready: string; status: string; restarts: string; conditions?: readonly TableRowCondition[] } => {
  const spec = obj(pod['spec'])
  const status = obj(pod['status'])
  const containers = arr<ContainerShape>(spec['containers'])
  const initContainers = arr<ContainerShape>(spec['initContainers'])
  const conditions = arr<Condition>(status['conditions'])
  const phase = str(status['phase'])

  let restarts = 0
  let restartableInitRestarts = 0
  let totalContainers = containers.length
  let readyContainers = 0
  let lastRestart = ''
  let lastRestartableInitRestart = ''
  let reason = str(status['reason']) || phase

  for (const c of conditions) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated'
  }

  const restartable = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => c.name ?? ''))
  totalContainers += restartable.size

  let initializing = false
  const initStatuses = arr<ContainerStatusShape>(status['initContainerStatuses'])
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i] ?? {}
    restarts += num(c.restartCount)
    const lastTerminated = c.lastState?.terminated
    if (lastTerminated) lastRestart = later(lastRestart, lastTerminated.finishedAt)
    const isRestartable = restartable.has(c.name ?? '')
    if (isRestartable) {
      restartableInitRestarts += num(c.restartCount)
      if (lastTerminated) lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated.finishedAt)
    }
    const terminated = c.state?.terminated
    const waiting = c.state?.waiting
    if (terminated && num(terminated.exitCode) === 0) continue
    if (isRestartable && c.started === true) {
      if (c.ready) readyContainers++
      continue
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = num(terminated.signal) !== 0 ? `Init:Signal:${num(terminated.signal)}` : `Init:ExitCode:${num(terminated.exitCode)}`
      } else {
        reason = `Init:${terminated.reason}`
      }
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`
    } else {
      reason = `Init:${i}/${initContainers.length}`
    }
    initializing = true
    break
  }

  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True')
  if (!initializing || initialized) {
    restarts = restartableInitRestarts
    lastRestart = lastRestartableInitRestart
    let hasRunning = false
    const statuses = arr<ContainerStatusShape>(status['containerStatuses'])
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i] ?? {}
      restarts += num(c.restartCount)
      const lastTerminated = c.lastState?.terminated
      if (lastTerminated) lastRestart = later(lastRestart, lastTerminated.finishedAt)
      const waiting = c.state?.waiting
      const terminated = c.state?.terminated
      if (waiting && waiting.reason) reason = waiting.reason
      else if (terminated && terminated.reason) reason = terminated.reason
      else if (terminated) reason = num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`
      else if (c.ready && c.state?.running) {
        hasRunning = true
        readyContainers++
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady'
    }
  }

  const deleting = Boolean(pod.metadata?.deletionTimestamp)
  if (deleting && str(status['reason']) === 'NodeLost') reason = 'Unknown'
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating'

  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts)
  const rowConditions = phase === 'Succeeded' ? POD_SUCCEEDED : phase === 'Failed' ? POD_FAILED : undefined
  return {
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsText,
    ...(rowConditions ? { conditions: rowConditions } : {}),
  }
}

const podPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COL,
    col('IP', 'string', 'podIP is an IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    col('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
    col('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  row: (pod, now) => {
    const s = podStatus(pod, now)
    const spec = obj(pod['spec'])
    const status = obj(pod['status'])
    const podIPs = arr<{ ip?: string }>(status['podIPs'])
    const ip = podIPs[0]?.ip || str(status['podIP']) || '<none>'
    const gates = arr<{ conditionType?: string }>(spec['readinessGates'])
    let readinessGates = '<none>'
    if (gates.length > 0) {
      const conditions = arr<Condition>(status['conditions'])
      const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length
      readinessGates = `${trueCount}/${gates.length}`
    }
    return {
      cells: [nameOf(pod), s.ready, s.status, s.restarts, ageOf(pod, now), ip, str(spec['nodeName']) || '<none>', str(status['nominatedNodeName']) || '<none>', readinessGates],
      ...(s.conditions ? { conditions: s.conditions } : {}),
    }
  },
}

// ---------------------------------------------------------------- nodes

/** findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted. */
export const nodeRoles = (labels: Readonly<Record<string, string>> | undefined): string => {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length)
      if (role) roles.add(role)
    } else if (k === 'kubernetes.io/role' && v) roles.add(v)
  }
  const list = [...roles].sort()
  return list.length > 0 ? list.join(',') : '<none>'
}

const nodeAddress = (node: KubeObject, type: string): string =>
  arr<{ type?: string; address?: string }>(obj(node['status'])['addresses']).find((a) => a.type === type)?.address || '<none>'

const nodePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE_COL,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('External-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  row: (node, now) => {
    const status = obj(node['status'])
    const info = obj(status['nodeInfo'])
    const ready = arr<Condition>(status['conditions']).find((c) => c.type === 'Ready')
    const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown']
    if (obj(node['spec'])['unschedulable'] === true) parts.push('SchedulingDisabled')
    return {
      cells: [
        nameOf(node),
        parts.join(','),
        nodeRoles(node.metadata?.labels),
        ageOf(node, now),
        str(info['kubeletVersion']),
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        str(info['osImage']) || '<unknown>',
        str(info['kernelVersion']) || '<unknown>',
        str(info['containerRuntimeVersion']) || '<unknown>',
      ],
    }
  },
}

// ---------------------------------------------------------------- apps

const SELECTOR_COL = col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1)

const templateContainers = (o: KubeObject): ContainerShape[] => arr<ContainerShape>(obj(obj(obj(o['spec'])['template'])['spec'])['containers'])
const selectorOf = (o: KubeObject): LabelSelector | undefined => {
  const s = obj(o['spec'])['selector']
  return s && typeof s === 'object' ? (s as LabelSelector) : undefined
}

const deploymentPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    SELECTOR_COL,
  ],
  row: (d, now) => {
    const spec = obj(d['spec'])
    const status = obj(d['status'])
    const [containers, images] = containerCells(templateContainers(d))
    // spec.replicas defaults to 1 on create; a missing value here means 0 was never defaulted.
    return {
      cells: [
        nameOf(d),
        `${num(status['readyReplicas'])}/${num(spec['replicas'])}`,
        num(status['updatedReplicas']),
        num(status['availableReplicas']),
        ageOf(d, now),
        containers,
        images,
        formatLabelSelector(selectorOf(d)),
      ],
    }
  },
}

const replicaSetPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Desired', 'integer', 'Replicas is the number of desired pods.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    col('Selector', 'string', 'Selector is a label query over pods that should match the replica count.', 1),
  ],
  row: (rs, now) => {
    const spec = obj(rs['spec'])
    const status = obj(rs['status'])
    const [containers, images] = containerCells(templateContainers(rs))
    return {
      cells: [nameOf(rs), num(spec['replicas']), num(status['replicas']), num(status['readyReplicas']), ageOf(rs, now), containers, images, formatLabelSelector(selectorOf(rs))],
    }
  },
}

// ---------------------------------------------------------------- core

interface ServicePortShape {
  readonly port?: number
  readonly nodePort?: number
  readonly protocol?: string
}

/** makePortString: `80/TCP`, `80:30080/TCP`, comma-joined. */
export const servicePorts = (ports: readonly ServicePortShape[]): string =>
  ports.map((p) => (num(p.nodePort) > 0 ? `${num(p.port)}:${num(p.nodePort)}/${p.protocol ?? 'TCP'}` : `${num(p.port)}/${p.protocol ?? 'TCP'}`)).join(',')

const serviceExternalIP = (svc: KubeObject): string => {
  const spec = obj(svc['spec'])
  const externalIPs = arr<string>(spec['externalIPs'])
  const type = str(spec['type']) || 'ClusterIP'
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>'
    case 'LoadBalancer': {
      const ingress = arr<{ ip?: string; hostname?: string }>(obj(obj(svc['status'])['loadBalancer'])['ingress'])
      const lb = ingress.map((i) => i.ip || i.hostname || '').filter((s) => s !== '')
      const all = [...lb, ...externalIPs]
      return all.length > 0 ? all.join(',') : '<pending>'
    }
    case 'ExternalName':
      return str(spec['externalName'])
    default:
      return '<unknown>'
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME_COL,
    col('Type', 'string', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE_COL,
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  row: (svc, now) => {
    const spec = obj(svc['spec'])
    const clusterIP = arr<string>(spec['clusterIPs'])[0] || str(spec['clusterIP']) || '<none>'
    const ports = servicePorts(arr<ServicePortShape>(spec['ports'])) || '<none>'
    const selector = obj(spec['selector']) as Record<string, string>
    return { cells: [nameOf(svc), str(spec['type']) || 'ClusterIP', clusterIP, serviceExternalIP(svc), ports, ageOf(svc, now), formatLabels(selector)] }
  },
}

const namespacePrinter: Printer = {
  columns: [NAME_COL, col('Status', 'string', 'The status of the namespace'), AGE_COL],
  row: (ns, now) => ({ cells: [nameOf(ns), str(obj(ns['status'])['phase']), ageOf(ns, now)] }),
}

const eventSource = (ev: KubeObject): string => {
  const source = obj(ev['source'])
  const component = str(source['component']) || str(ev['reportingComponent'])
  const instance = str(source['host']) || str(ev['reportingInstance'])
  if (!component) return '<unknown>'
  return instance ? `${component}, ${instance}` : component
}

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', 'Time when this Event was last observed.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'string', 'The object that this event is about.'),
    col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
    col('Source', 'string', 'The component reporting this event.', 1),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 'The time at which the event was first recorded.', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    { ...NAME_COL, priority: 1 },
  ],
  row: (ev, now) => {
    const involved = obj(ev['involvedObject'])
    const series = obj(ev['series'])
    const hasSeries = ev['series'] !== undefined && ev['series'] !== null
    let first = since(str(ev['firstTimestamp']) || undefined, now)
    if (!str(ev['firstTimestamp'])) first = since(str(ev['eventTime']) || undefined, now)
    let last = str(ev['lastTimestamp']) ? since(str(ev['lastTimestamp']), now) : first
    let count = num(ev['count'])
    if (hasSeries) {
      last = since(str(series['lastObservedTime']) || undefined, now)
      count = num(series['count'])
    } else if (count === 0) count = 1
    const kind = str(involved['kind']).toLowerCase()
    const target = str(involved['name']) ? `${kind}/${str(involved['name'])}` : kind
    return {
      cells: [last, str(ev['type']), str(ev['reason']), target, str(involved['fieldPath']), eventSource(ev), str(ev['message']).trim(), first, count, nameOf(ev)],
    }
  },
}

const configMapPrinter: Printer = {
  columns: [NAME_COL, col('Data', 'string', 'Data contains the configuration data.'), AGE_COL],
  row: (cm, now) => ({ cells: [nameOf(cm), Object.keys(obj(cm['data'])).length + Object.keys(obj(cm['binaryData'])).length, ageOf(cm, now)] }),
}

interface SubsetShape {
  readonly addresses?: readonly { readonly ip?: string }[]
  readonly ports?: readonly { readonly port?: number; readonly name?: string }[]
}

/** formatEndpoints: up to 3 `ip:port` entries, then ` + N more...`; `<none>` without subsets. */
export const formatEndpoints = (subsets: readonly SubsetShape[]): string => {
  if (subsets.length === 0) return '<none>'
  const list: string[] = []
  const max = 3
  let more = false
  let count = 0
  const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`)
  for (const ss of subsets) {
    const addresses = ss.addresses ?? []
    const ports = ss.ports ?? []
    if (ports.length === 0) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(a.ip ?? '')
      }
      continue
    }
    for (const p of ports) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(hostPort(a.ip ?? '', num(p.port)))
      }
    }
  }
  const text = list.join(',')
  return more ? `${text} + ${count - max} more...` : text
}

const endpointsPrinter: Printer = {
  columns: [NAME_COL, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE_COL],
  row: (ep, now) => ({ cells: [nameOf(ep), formatEndpoints(arr<SubsetShape>(ep['subsets'])), ageOf(ep, now)] }),
}

const leasePrinter: Printer = {
  columns: [NAME_COL, col('Holder', 'string', 'The holder of the lease'), AGE_COL],
  row: (lease, now) => ({ cells: [nameOf(lease), str(obj(lease['spec'])['holderIdentity']), ageOf(lease, now)] }),
}

const priorityClassPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Value', 'integer', 'value represents the integer value of this priority class.'),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority.'),
    AGE_COL,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  row: (pc, now) => ({ cells: [nameOf(pc), typeof pc['value'] === 'number' ? pc['value'] : 0, pc['globalDefault'] === true, ageOf(pc, now), str(pc['preemptionPolicy'])] }),
}

/** Kubernetes' default table (for kinds without a printer): Name and Created At. */
export const defaultPrinter: Printer = {
  columns: [NAME_COL, col('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  row: (o) => ({ cells: [nameOf(o), str(o.metadata?.creationTimestamp)] }),
}

/** Printers by `<group>/<resource>` ('' group for core): `/pods`, `apps/deployments`. */
export const PRINTERS: Readonly<Record<string, Printer>> = {
  '/pods': podPrinter,
  '/nodes': nodePrinter,
  '/services': servicePrinter,
  '/namespaces': namespacePrinter,
  '/events': eventPrinter,
  '/configmaps': configMapPrinter,
  '/endpoints': endpointsPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'scheduling.k8s.io/priorityclasses': priorityClassPrinter,
  ...CHAOS_PRINTERS,
  ...CONFIG_PRINTERS,
  ...STORAGE_PRINTERS,
  ...WORKLOAD_PRINTERS,
  ...RBAC_PRINTERS,
  ...BATCH_PRINTERS,
  ...NETWORKING_PRINTERS,
  ...REVISION_PRINTERS,
}

export const printerFor = (group: string, resource: string): Printer => PRINTERS[`${group}/${resource}`] ?? defaultPrinter
