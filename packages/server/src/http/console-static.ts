import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { CONSOLE_ROUTE_CONFIG } from './security-headers.ts'

/**
 * Serves the web console (packages/console, a static single-page app) at `/`: its page at `/` and
 * its hashed bundles under `/assets/`. Everything the console shows is decrypted in the page by the
 * SDK; the server only hands out files. The console navigates with the URL's fragment (`/#/patients`),
 * so no other path needs a fallback to the page and unknown paths keep answering the API's JSON 404.
 *
 * The page is read once at start (a missing build fails the start with a clear message rather than
 * answering 404 later); bundles are cached for a year, since Vite puts a content hash in their names,
 * while the page itself is never cached, so that an upgrade reaches every browser at its next load.
 */
export async function registerConsole(app: FastifyInstance, dir: string): Promise<void> {
  const page = await readFile(join(dir, 'index.html')).catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      `the web console is not built in ${dir} (${e.code ?? e.message}): run "npm run build", or set CAIRN_CONSOLE_DIR=off`,
    )
  })
  const config = { public: true, ...CONSOLE_ROUTE_CONFIG }
  app.get('/', { config, schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  )
  await app.register(async (assets) => {
    assets.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), ...config }
      route.schema = { ...(route.schema ?? {}), hide: true }
    })
    await assets.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      maxAge: '365d',
      immutable: true,
      // Only files Vite wrote: no directory listings, no dotfiles.
      index: false,
      dotfiles: 'deny',
    })
  })
}
