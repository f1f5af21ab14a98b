import { fromCallback } from 'xstate'
import type { NetCommand } from './network.ts'

/**
 * What a machine declares as its `network` actor until the host (or a test) provides the real one.
 * It accepts commands and does nothing, so a machine started without a host is inert, not broken.
 */
export const placeholderNetwork = fromCallback<NetCommand>(() => {})
