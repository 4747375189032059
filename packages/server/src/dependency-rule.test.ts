import { describe, expect, it } from 'vitest'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

const ROOT = new URL('../..', import.meta.url).pathname

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sources(path)))
    else if (/\.tsx?$/.test(entry.name)) out.push(path)
  }
  return out
}

/**
 * docs/architecture.md: the server depends on the protocol only — it must never import the crypto
 * package or the SDK (it has nothing to decrypt); crypto never imports the SDK; protocol imports
 * neither; the web console uses the SDK, never the server's or the CLI's code.
 */
describe('package dependency rule', () => {
  const forbidden: Record<string, RegExp> = {
    server: /from '(@cairn\/(crypto|sdk|cli)|[./]*\/(crypto|sdk|cli)\/src)/,
    crypto: /from '(@cairn\/(sdk|server|cli))/,
    protocol: /from '(@cairn\/(crypto|sdk|server|cli))/,
    // The web console runs in browsers on the SDK alone: it never reaches into the server or the CLI.
    console: /from '(@cairn\/(server|cli)|[./]*\/(server|cli)\/src)/,
  }
  for (const [pkg, pattern] of Object.entries(forbidden)) {
    it(`${pkg} imports none of the packages it must not depend on`, async () => {
      const files = await sources(join(ROOT, pkg, 'src'))
      expect(files.length).toBeGreaterThan(0)
      const offenders: string[] = []
      for (const file of files) {
        if ((await readFile(file, 'utf8')).split('\n').some((line) => pattern.test(line)))
          offenders.push(file)
      }
      expect(offenders).toEqual([])
    })
    it(`${pkg}/package.json declares none of them`, async () => {
      const manifest = JSON.parse(await readFile(join(ROOT, pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>
      }
      const deps = Object.keys(manifest.dependencies ?? {})
      expect(deps.filter((d) => pattern.test(`from '${d}`))).toEqual([])
    })
  }
})
