#!/usr/bin/env node
// The `cairn` command: runs the built CLI (`npm run build`, which `npm install` runs too).
// Plain Node.js, no TypeScript at run time. From the sources: `npm run cairn -- <command>`.
/* global console, process */
try {
  await import('../dist/main.js')
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('/cli/dist/main.js')) {
    console.error('cairn: the CLI is not built; run `npm run build` in the Cairn repository first')
    process.exit(1)
  }
  throw e
}
