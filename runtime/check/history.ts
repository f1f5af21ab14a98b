/**
 * Recording a history while a test drives the store. Each client wraps a request in
 * `invoke` → `ok(output)` / `unknown()`. Anything not completed by the time the history is
 * taken counts as unknown: it may have taken effect or not, and the checker allows both.
 * A definite failure the client knows did not take effect (e.g. a validation error before
 * sending) should be `discard`ed rather than recorded.
 */
import type { Operation } from './model.ts'

export interface PendingOperation<Output> {
  /** The request completed and the client saw `output`. */
  ok(output: Output): void
  /** Timed out / connection lost: may or may not have taken effect. */
  unknown(): void
  /** Certainly never reached the store: leave it out of the history. */
  discard(): void
}

export class HistoryRecorder<Input, Output> {
  private readonly operations: (Operation<Input, Output> | undefined)[] = []

  private readonly now: () => number

  /** `now` must be monotonic across all clients (performance.now, or a virtual clock). */
  constructor(now: () => number = () => performance.now()) {
    this.now = now
  }

  invoke(clientId: number | string, input: Input): PendingOperation<Output> {
    const index = this.operations.length
    const op: Operation<Input, Output> = { clientId, input, call: this.now(), return: undefined }
    this.operations.push(op)
    let settled = false
    const settle = (): boolean => {
      const first = !settled
      settled = true
      return first
    }
    return {
      ok: (output) => {
        if (!settle()) return
        op.return = this.now()
        op.output = output
      },
      unknown: () => {
        settle()
      },
      discard: () => {
        if (settle()) this.operations[index] = undefined
      },
    }
  }

  /** Convenience: records one request; a rejection is recorded as unknown and rethrown. */
  async record(clientId: number | string, input: Input, run: () => Promise<Output>): Promise<Output> {
    const pending = this.invoke(clientId, input)
    try {
      const output = await run()
      pending.ok(output)
      return output
    } catch (error) {
      pending.unknown()
      throw error
    }
  }

  /** A copy of the history so far (in-flight operations appear as unknown). */
  history(): Operation<Input, Output>[] {
    return this.operations.filter((op): op is Operation<Input, Output> => op !== undefined).map((op) => ({ ...op }))
  }
}
