import { defineConfig } from 'tsup'
import { nodeConfig } from '../../tsup.shared.ts'

// The access log's writer thread is started from its own module file (audit/audit-writer-thread.ts
// looks for `audit-writer-worker.js` next to the bundle), so it is an entry of its own.
export default defineConfig(
  nodeConfig({ index: 'src/index.ts', 'audit-writer-worker': 'src/audit/audit-writer-worker.ts' }),
)
