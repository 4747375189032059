import { defineConfig } from 'tsup'
import { nodeConfig } from '../../tsup.shared.ts'

// bin/cairn.js imports dist/main.js; each sub-command is a lazily loaded chunk.
export default defineConfig(nodeConfig({ main: 'src/main.ts' }))
