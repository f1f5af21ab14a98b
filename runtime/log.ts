/** Structured JSON logs (pino); one logger per host, children per actor. */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino'

export type Logger = PinoLogger

export function createLogger(options: {
  readonly base: Record<string, string>
  readonly level?: string
  readonly destination?: DestinationStream
}): Logger {
  const level = options.level ?? 'info'
  return options.destination
    ? pino({ level, base: options.base }, options.destination)
    : pino({ level, base: options.base })
}

/** A logger that discards everything (simulation, benchmarks). */
export const silentLogger: Logger = pino({ level: 'silent' })

/**
 * Logs the 1st, 2nd, 4th, 8th... occurrence of each key: a flood of bad messages stays visible
 * in the logs, with its running count, without drowning them.
 */
export class ExponentialLogSampler {
  readonly #counts = new Map<string, number>()

  shouldLog(key: string): { log: boolean; count: number } {
    const count = (this.#counts.get(key) ?? 0) + 1
    this.#counts.set(key, count)
    return { log: (count & (count - 1)) === 0, count }
  }
}
