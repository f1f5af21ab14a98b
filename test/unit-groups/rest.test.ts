/** The unit test files of the group "rest" (run-unit-files.ts), in one process. */
import { runUnitGroup } from './run-unit-files.ts'

await runUnitGroup('rest')
