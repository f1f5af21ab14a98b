/** What every message between actors is: a plain, serializable XState event. */
export interface WireEvent {
  readonly type: string
  readonly [field: string]: unknown
}

/** What an actor may send: any event object (its fields must be msgpack-serializable). */
export interface OutboundEvent {
  readonly type: string
}
