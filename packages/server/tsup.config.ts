import { defineConfig } from 'tsup'
import { nodeConfig } from '../../tsup.shared.ts'

export default defineConfig(nodeConfig({ index: 'src/index.ts' }))
