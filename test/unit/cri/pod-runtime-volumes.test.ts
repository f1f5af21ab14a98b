/** A pod's volumes in its runtime child (pod-runtime.ts): set up before the sandbox is ready, their env in every container, torn down with the sandbox. */
import t from 'tap'
import type { Pod } from '../../../actors/kube/objects.ts'
import type { ContainerConfig, ContainerInfo, Sandbox } from '../../../runtime/cri/container-runtime.ts'
import { HollowRuntime } from '../../../runtime/cri/hollow/hollow-runtime.ts'
import type { PodVolumes } from '../../../runtime/kubelet/service-account-volume.ts'
import { VirtualClock } from '../../../runtime/sim/virtual-clock.ts'
import { podRuntimeHarness, testPod } from './pod-runtime-harness.ts'

const app = { name: 'app', image: 'actorkube/echo' }

class RecordingRuntime extends HollowRuntime {
  readonly created: ContainerConfig[] = []
  override createContainer(sandboxId: string, config: ContainerConfig): Promise<ContainerInfo> {
    this.created.push(config)
    return super.createContainer(sandboxId, config)
  }
}

class FakeVolumes implements PodVolumes {
  readonly mounted: string[] = []
  readonly unmounted: string[] = []
  failures = 0
  async mount(pod: Pod, _sandbox: Sandbox): Promise<Record<string, string>> {
    if (this.failures-- > 0) throw new Error('MountVolume.SetUp failed for volume "kube-api-access": no apiserver answered')
    this.mounted.push(pod.metadata.uid ?? '')
    return { KUBERNETES_SERVICE_HOST: '127.0.0.1', POD_NAME: 'from-volume' }
  }
  unmount(podUid: string): void {
    this.unmounted.push(podUid)
  }
}

t.test('pod volumes - mounted before the sandbox is ready; their env under the container’s own', async (t) => {
  const runtime = new RecordingRuntime({ clock: new VirtualClock(0) })
  const volumes = new FakeVolumes()
  const pod = podRuntimeHarness(t, runtime, testPod('web', [app]), volumes)
  await pod.runSandbox()
  t.same(volumes.mounted, ['uid-web'])
  pod.start(app, 0, { POD_NAME: 'own' })
  await pod.next('cri.containerStarted')
  t.same(runtime.created[0]?.env, { KUBERNETES_SERVICE_HOST: '127.0.0.1', POD_NAME: 'own' })
  pod.send({ type: 'cri.removeSandbox' })
  await pod.next('cri.sandboxRemoved')
  t.same(volumes.unmounted, ['uid-web'])
})

t.test('pod volumes - a mount that fails fails the sandbox (the pod actor retries) and leaves none behind', async (t) => {
  const runtime = new RecordingRuntime({ clock: new VirtualClock(0) })
  const volumes = new FakeVolumes()
  volumes.failures = 1
  const pod = podRuntimeHarness(t, runtime, testPod('web', [app]), volumes)
  pod.send({ type: 'cri.runSandbox' })
  t.match(await pod.next('cri.sandboxFailed'), { message: /MountVolume.SetUp failed/ })
  t.equal(runtime.stats().sandboxes, 0)
  await pod.runSandbox()
  t.same(volumes.mounted, ['uid-web'], 'the retry mounts')
  t.equal(runtime.stats().sandboxes, 1)
})
