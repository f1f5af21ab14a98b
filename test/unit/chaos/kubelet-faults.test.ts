/**
 * The pod and node faults a worker host applies to its kubelet (actors/chaos/kubelet-faults.ts):
 * parsing from the wire with field paths, which host carries a node, which containers a kill hits,
 * and the fault an experiment's kind means for its targets on one host.
 */
import t from 'tap'
import { containersToKill, isKubeletFaultKind, kubeletFaultOf, kubeletHostOf, parseKubeletFault, type ListedContainer } from '../../../actors/chaos/kubelet-faults.ts'

t.test('kubelet faults - parse accepts each action', async (t) => {
  t.same(parseKubeletFault({ action: 'container-kill', pods: ['default/web-1'], container: 'app' }), { action: 'container-kill', pods: ['default/web-1'], container: 'app' })
  t.same(parseKubeletFault({ action: 'pod-failure', pods: ['ns-a/db-0', 'ns-a/db-1'] }), { action: 'pod-failure', pods: ['ns-a/db-0', 'ns-a/db-1'] })
  t.same(parseKubeletFault({ action: 'kubelet-stop', nodes: ['worker-2'] }), { action: 'kubelet-stop', nodes: ['worker-2'] })
})

t.test('kubelet faults - parse refuses bad input naming the field', async (t) => {
  const rows: [unknown, RegExp][] = [
    [null, /^fault\.fault: expected an object/],
    [{ action: 'pod-kill', pods: ['a/b'] }, /^fault\.fault\.action: expected one of container-kill, pod-failure, kubelet-stop, got "pod-kill"/],
    [{ action: 'pod-failure', pods: [] }, /^fault\.fault\.pods: expected a non-empty list/],
    [{ action: 'pod-failure', pods: ['web-1'] }, /^fault\.fault\.pods\[0\]: expected namespace\/name, got "web-1"/],
    [{ action: 'container-kill', pods: ['a/b'], container: '' }, /^fault\.fault\.container: expected a container name/],
    [{ action: 'kubelet-stop', nodes: [''] }, /^fault\.fault\.nodes\[0\]: expected node names/],
    [{ action: 'kubelet-stop', node: 'worker-1' }, /^fault\.fault\.nodes: expected a non-empty list/],
  ]
  for (const [raw, message] of rows) t.throws(() => parseKubeletFault(raw), { name: 'TypeError', message }, JSON.stringify(raw))
})

t.test('kubelet faults - the host whose kubelet carries a node', async (t) => {
  const hosts = [
    { host: 'master-1', actors: ['store/master-1', 'apiserver/master-1'] },
    { host: 'worker-1', actors: ['kubelet/worker-1', 'proxy/worker-1'] },
    { host: 'worker-10', actors: ['kubelet/worker-10'] },
    { host: 'hollow-1', actors: ['kubelet/hollow-1'] },
  ]
  t.equal(kubeletHostOf('worker-1', hosts), 'worker-1')
  t.equal(kubeletHostOf('worker-10', hosts), 'worker-10', 'worker-1 does not claim worker-10')
  t.equal(kubeletHostOf('hollow-1-17', hosts), 'hollow-1', 'a hollow pool carries <id>-<n>')
  t.equal(kubeletHostOf('hollow-1-x', hosts), undefined)
  t.equal(kubeletHostOf('master-1', hosts), undefined, 'a host without a kubelet carries no node')
})

t.test('kubelet faults - a kill hits the pod\'s running containers, or the one named', async (t) => {
  const containers: ListedContainer[] = [
    { id: 'a1', podUid: 'u1', name: 'app', state: 'running' },
    { id: 'a0', podUid: 'u1', name: 'app', state: 'exited' },
    { id: 's1', podUid: 'u1', name: 'sidecar', state: 'running' },
    { id: 'b1', podUid: 'u2', name: 'app', state: 'running' },
  ]
  t.same(containersToKill(containers, 'u1'), ['a1', 's1'])
  t.same(containersToKill(containers, 'u1', 'sidecar'), ['s1'])
  t.same(containersToKill(containers, 'u1', 'nope'), [])
  t.same(containersToKill(containers, 'u3'), [])
})

t.test('kubelet faults - an experiment fault on one host', async (t) => {
  t.same(kubeletFaultOf('container-kill', ['d/a', 'd/b'], { container: 'app' }), { action: 'container-kill', pods: ['d/a', 'd/b'], container: 'app' })
  t.same(kubeletFaultOf('container-kill', ['d/a'], {}), { action: 'container-kill', pods: ['d/a'] })
  t.same(kubeletFaultOf('pod-failure', ['d/a'], { container: 'ignored' }), { action: 'pod-failure', pods: ['d/a'] })
  t.same(kubeletFaultOf('kubelet-stop', ['worker-2'], {}), { action: 'kubelet-stop', nodes: ['worker-2'] })
  t.ok(isKubeletFaultKind('pod-failure'))
  t.notOk(isKubeletFaultKind('pod-kill'))
})
