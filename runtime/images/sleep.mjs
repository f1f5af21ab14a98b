// actorkube/sleep: sleeps args[0] seconds (default: forever), then exits with args[1] or
// $EXIT_CODE (default 0). SIGTERM ends it early with code 0, as a well-behaved program would.
const seconds = process.argv[2] === undefined || process.argv[2] === 'infinity' ? Infinity : Number(process.argv[2])
const code = Number(process.argv[3] ?? process.env.EXIT_CODE ?? 0)
if (!Number.isFinite(code) || Number.isNaN(seconds) || seconds < 0) {
  console.error(`usage: sleep [seconds|infinity] [exit code]; got ${process.argv.slice(2).join(' ')}`)
  process.exit(2)
}

console.log(`${process.env.POD_NAME ?? 'sleep'}: sleeping ${seconds === Infinity ? 'forever' : `${seconds} s`}`)
process.on('SIGTERM', () => {
  console.log('SIGTERM: exiting')
  process.exit(0)
})
if (seconds === Infinity) {
  setInterval(() => {}, 2 ** 30)
} else {
  setTimeout(() => {
    console.log(`slept ${seconds} s, exiting with code ${code}`)
    process.exit(code)
  }, seconds * 1000)
}
