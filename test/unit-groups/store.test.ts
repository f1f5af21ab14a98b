/** The unit test files of the group "store" (run-unit-files.ts), in one process. */
import { runUnitGroup } from './run-unit-files.ts'

await runUnitGroup('store')
