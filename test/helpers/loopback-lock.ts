/**
 * One test file at a time may serve the machine-wide loopback addresses a cluster with nodes
 * takes: node IPs 127.0.N.1, pod ranges 127.N.0.0/16, ClusterIPs at 127.96.b.c and NodePorts on
 * 127.0.0.1. tap runs test files side by side, and two clusters with workers would otherwise hand
 * out the same addresses and ports (an echo pod dying on EADDRINUSE, a NodePort answered by the
 * other cluster's Service). The lock is a directory made atomically, holding the owner's pid, so a
 * holder that died (SIGKILL, a tap timeout) is noticed and its lock taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TeardownOwner } from './nats.ts'

const LOCK_DIR = join(tmpdir(), 'actorkube-test-loopback.lock')
const POLL_MS = 250
const DEFAULT_WAIT_MS = 10 * 60_000

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function holder(): number | undefined {
  try {
    const pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'))
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function tryTake(): boolean {
  try {
    mkdirSync(LOCK_DIR)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const pid = holder()
    // No pid yet: its maker is between mkdir and write; wait for it.
    if (pid === undefined || alive(pid)) return false
    rmSync(LOCK_DIR, { recursive: true, force: true })
    return tryTake()
  }
  writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid))
  return true
}

/** Holds the machine's loopback addresses until the owner tears down; waits for another file's hold to end. */
export async function holdLoopbackAddresses(owner: TeardownOwner & { comment?(message: string): void }, waitMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = performance.now() + waitMs
  let told = false
  while (!tryTake()) {
    if (!told) owner.comment?.(`waiting for pid ${holder() ?? '?'} to release the loopback addresses (${LOCK_DIR})`)
    told = true
    if (performance.now() > deadline) throw new Error(`pid ${holder() ?? '?'} held ${LOCK_DIR} for over ${waitMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  const release = () => {
    if (holder() === process.pid) rmSync(LOCK_DIR, { recursive: true, force: true })
  }
  process.once('exit', release)
  owner.teardown(release)
}
