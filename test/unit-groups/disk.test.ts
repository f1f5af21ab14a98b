/** The unit test files of the group "disk" (run-unit-files.ts), in one process. */
import { runUnitGroup } from './run-unit-files.ts'

await runUnitGroup('disk')
