// Loaded into every process of a profiled `actorkube up` through NODE_OPTIONS="--import <this>"
// (NODE_OPTIONS refuses --cpu-prof): with AK_SCHED_PROFILE_DIR set, SIGUSR2 starts the V8 CPU
// profiler in this process and the next SIGUSR2 stops it and writes DIR/<pid>.cpuprofile, so the
// bench profiles exactly one process (the scheduler leader) for exactly the measured phase.
// Plain JavaScript: NODE_OPTIONS imports run before the command line's `--import tsx`.
import { Session } from 'node:inspector'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.env.AK_SCHED_PROFILE_DIR
if (dir) {
  let session
  let running = false
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true
      session = new Session()
      session.connect()
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')))
      return
    }
    running = false
    session.post('Profiler.stop', (error, result) => {
      const path = join(dir, `${process.pid}.cpuprofile`)
      writeFileSync(`${path}.tmp`, error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile))
      renameSync(`${path}.tmp`, path)
      session.disconnect()
    })
  })
}
