/**
 * Containers are process groups of their own, so they outlive a host that dies without closing
 * its runtime (SIGKILL, a crash): they would keep their pod's address and port. Each running
 * group is noted in `<dir>/groups/<pid>` with its leader's start time, and a runtime starting on
 * the same directory kills whatever a previous one left behind.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { killGroup } from './kill-group.ts'

export function noteGroup(dir: string, pid: number): void {
  const groups = join(dir, 'groups')
  mkdirSync(groups, { recursive: true })
  writeFileSync(join(groups, String(pid)), startTime(pid) ?? '')
}

export function forgetGroup(dir: string, pid: number): void {
  rmSync(join(dir, 'groups', String(pid)), { force: true })
}

/** SIGKILLs the groups a previous runtime noted; returns how many were still there. */
export function killOrphans(dir: string): number {
  const groups = join(dir, 'groups')
  let names: string[]
  try {
    names = readdirSync(groups)
  } catch {
    return 0
  }
  let killed = 0
  for (const name of names) {
    const pid = Number(name)
    const noted = readFileSync(join(groups, name), 'utf8')
    const now = startTime(pid)
    // A leader with another start time is an unrelated process that got the pid: leave it. With
    // the leader gone the pid cannot be reused while group members live, so the group is ours.
    if (Number.isInteger(pid) && pid > 1 && (now === undefined || noted === '' || now === noted)) {
      if (now !== undefined || groupAlive(pid)) killed++
      killGroup(pid, 'SIGKILL')
    }
    rmSync(join(groups, name), { force: true })
  }
  return killed
}

/** Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, it names one process. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}
