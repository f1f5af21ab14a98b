/** The unit test files of the group "controllers" (run-unit-files.ts), in one process. */
import { runUnitGroup } from './run-unit-files.ts'

await runUnitGroup('controllers')
