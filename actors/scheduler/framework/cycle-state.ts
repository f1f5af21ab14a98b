/**
 * framework.CycleState: what plugins compute in PreFilter/PreScore and read back in
 * Filter/Score, for one pod's scheduling cycle. Keys are plugin names by convention.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>()
  /** Plugins whose PreFilter returned Skip: their Filter does not run this cycle. */
  readonly skipFilterPlugins = new Set<string>()
  /** Plugins whose PreScore returned Skip: their Score does not run this cycle. */
  readonly skipScorePlugins = new Set<string>()

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value)
  }

  delete(key: string): void {
    this.data.delete(key)
  }
}
