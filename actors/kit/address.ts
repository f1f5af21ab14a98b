/** Logical address of an actor's mailbox, independent of which host carries it. */
export interface Address {
  readonly component: string
  readonly instance: string
  /** Defaults to `in`, the actor's ordinary inbox. */
  readonly verb?: string
}
