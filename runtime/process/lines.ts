import type { Readable } from 'node:stream'

/**
 * Calls `onLine` for every complete line a child's output stream produces (without the newline);
 * chunks rarely end on a line boundary, so the unfinished tail waits for the next chunk.
 */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = ''
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      onLine(line)
    }
  })
}
