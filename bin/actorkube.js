#!/usr/bin/env node
// Node 20 cannot strip TypeScript types: register tsx, then run the TypeScript entry point.
import { register } from 'tsx/esm/api'

register()
await import('../runtime/cli/main.ts')
