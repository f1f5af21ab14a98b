/** The unit test files of the group "apiserver" (run-unit-files.ts), in one process. */
import { runUnitGroup } from './run-unit-files.ts'

await runUnitGroup('apiserver')
