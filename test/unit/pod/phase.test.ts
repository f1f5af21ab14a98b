import t from 'tap'
import type { ContainerStatus, PodSpec } from '../../../actors/kube/objects.ts'
import { podPhase } from '../../../actors/pod/phase.ts'

const running = (name: string): ContainerStatus => ({ name, state: { running: {} } })
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, state: { terminated: { exitCode } } })
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  name,
  state: { waiting: { reason: 'X' } },
  lastState: lastExit === undefined ? {} : { terminated: { exitCode: lastExit } },
})
const spec = (restartPolicy: PodSpec['restartPolicy'], init = false): PodSpec => ({
  restartPolicy,
  containers: [{ name: 'a' }, { name: 'b' }],
  ...(init ? { initContainers: [{ name: 'i' }] } : {}),
})

t.test('phase - getPhase table', async (t) => {
  const cases: [string, PodSpec, ContainerStatus[], ContainerStatus[], boolean, string][] = [
    ['a container not yet started', spec('Always'), [], [running('a'), waiting('b')], false, 'Pending'],
    ['all running', spec('Always'), [], [running('a'), running('b')], false, 'Running'],
    ['one missing status', spec('Always'), [], [running('a')], false, 'Pending'],
    ['Always, all exited', spec('Always'), [], [exited('a', 0), exited('b', 1)], false, 'Running'],
    ['Always, crash looping', spec('Always'), [], [waiting('a', 1), running('b')], false, 'Running'],
    ['Always, first exit, restarting at once', spec('Always'), [], [exited('a', 1), running('b')], false, 'Running'],
    ['OnFailure, all 0', spec('OnFailure'), [], [exited('a', 0), exited('b', 0)], false, 'Succeeded'],
    ['OnFailure, one failed', spec('OnFailure'), [], [exited('a', 0), exited('b', 1)], false, 'Running'],
    ['Never, one failed', spec('Never'), [], [exited('a', 0), exited('b', 1)], false, 'Failed'],
    ['Never, one still running', spec('Never'), [], [running('a'), exited('b', 1)], false, 'Running'],
    ['terminal, all 0', spec('Always'), [], [exited('a', 0), exited('b', 0)], true, 'Succeeded'],
    ['terminal, one killed', spec('Always'), [], [exited('a', 0), exited('b', 137)], true, 'Failed'],
    ['init running', spec('Always', true), [running('i')], [waiting('a'), waiting('b')], false, 'Pending'],
    ['init failed, Never', spec('Never', true), [exited('i', 1)], [waiting('a'), waiting('b')], false, 'Failed'],
    ['init crash looping, OnFailure', spec('OnFailure', true), [waiting('i', 1)], [waiting('a'), waiting('b')], false, 'Pending'],
    ['init first exit, restarting at once, OnFailure', spec('OnFailure', true), [exited('i', 1)], [waiting('a'), waiting('b')], false, 'Pending'],
    ['init done', spec('Always', true), [exited('i', 0)], [running('a'), running('b')], false, 'Running'],
  ]
  for (const [name, s, init, regular, terminal, want] of cases) t.equal(podPhase(s, init, regular, terminal), want, name)
})
