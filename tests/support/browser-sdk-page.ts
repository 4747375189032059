import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
// esbuild comes with tsup, tsx and vite (devDependencies), as for bench/sdk-bundle-size.ts.
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Debian's Chromium, which .ci/run installs when it is missing. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * The SDK bundled for browsers from its sources (esbuild, platform browser: a Node.js builtin imported
 * by browser code fails the bundle), plus `extraExports` (export lines, paths relative to the
 * repository root) for tests that need internal modules.
 */
export async function bundleSdkForBrowser(extraExports: readonly string[] = []): Promise<string> {
  const result = await build({
    stdin: {
      contents: ["export * from '@cairn/sdk'", ...extraExports].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'browser-entry.ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['@cairn/source'],
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0].text
}

/**
 * Serves a page that loads `bundle` as `window.sdk`, on 127.0.0.1 (a secure context: WebCrypto and
 * IndexedDB work there); `url` is the page's origin, without a trailing slash.
 */
export async function serveSdkPage(bundle: string, title: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle)
    else if (req.url === '/')
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><title>${title}</title>` +
            "<script type=module>import * as sdk from '/sdk.js'; window.sdk = sdk</script>",
        )
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}
