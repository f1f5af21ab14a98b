import type { Clock, TimerHandle } from '../clock.ts'

interface Task {
  readonly due: number
  readonly seq: number
  readonly fn: () => void
}

/**
 * Virtual time for deterministic simulation: timers and scheduled message deliveries share one
 * queue ordered by (due time, insertion order), and time only moves when the driver says so.
 */
export class VirtualClock implements Clock {
  #now: number
  #seq = 0
  #heap: Task[] = []
  /** Tasks scheduled and neither run nor cancelled; a cleared finished timer leaves no trace. */
  #live = new Set<number>()

  constructor(start = 0) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  /** Virtual time never steps back, so it is its own monotonic reading. */
  monotonic(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = this.#seq++
    this.#live.add(seq)
    this.#push({ due: this.#now + Math.max(0, ms), seq, fn })
    return seq
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#live.delete(handle)
  }

  /** Number of tasks still queued (cancelled ones included until they surface). */
  get pending(): number {
    return this.#heap.length
  }

  /** When the next live task is due; undefined when nothing is queued. */
  nextDue(): number | undefined {
    return this.#peekLive()?.due
  }

  /** Runs the next task, moving time to it; false when nothing is queued. */
  step(): boolean {
    for (;;) {
      const task = this.#pop()
      if (!task) return false
      if (!this.#live.delete(task.seq)) continue
      this.#now = Math.max(this.#now, task.due)
      task.fn()
      return true
    }
  }

  /** Runs every task due up to `time` (inclusive), then sets the clock to `time`. */
  runUntil(time: number): number {
    let ran = 0
    for (let next = this.#peekLive(); next !== undefined && next.due <= time; next = this.#peekLive()) {
      if (this.step()) ran++
    }
    this.#now = Math.max(this.#now, time)
    return ran
  }

  advance(ms: number): number {
    return this.runUntil(this.#now + ms)
  }

  /** The next task that will run, discarding cancelled ones so they cannot hide a later task. */
  #peekLive(): Task | undefined {
    while (this.#heap.length > 0 && !this.#live.has(this.#heap[0]!.seq)) this.#pop()
    return this.#heap[0]
  }

  #push(task: Task): void {
    const heap = this.#heap
    heap.push(task)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  #pop(): Task | undefined {
    const heap = this.#heap
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0 && last) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    return top
  }
}

function before(a: Task, b: Task): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq)
}
