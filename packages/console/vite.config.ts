import { defaultClientConditions, defineConfig } from 'vite'

/**
 * The console is built into dist/ as static files that the server serves at `/` (assets under
 * /assets/). Workspace packages (@cairn/sdk...) are bundled from their TypeScript sources through the
 * "@cairn/source" condition, so the console never depends on a stale SDK build. JSX is compiled by
 * Vite's own esbuild step (React's automatic runtime): no React plugin is needed for a production build.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  resolve: { conditions: ['@cairn/source', ...defaultClientConditions] },
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The SDK, React and Mantine together are ~1 MB before compression; one chunk keeps the page to
    // two requests and the warning is noise here.
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      // Mantine marks its modules "use client" (for React Server Components), which means nothing in
      // a client-only bundle: the bundler's warning for each of them is dropped.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning)
      },
    },
  },
  server: {
    // `npm run dev -w @cairn/console` proxies the API to a server started with `npm start`.
    proxy: {
      '/rest': 'http://127.0.0.1:16043',
      '/msggw': 'http://127.0.0.1:16043',
      '/health': 'http://127.0.0.1:16043',
      '/ready': 'http://127.0.0.1:16043',
      '/ws': { target: 'ws://127.0.0.1:16043', ws: true },
    },
  },
})
