// Build settings shared by every package (each packages/*/tsup.config.ts calls one of these).
// tsup keeps a package's `dependencies` and `peerDependencies` external, so each package bundles
// only its own sources and imports the others (@cairn/protocol, @cairn/crypto, @sinclair/typebox...)
// as the real dependencies they are.
import type { Options } from 'tsup'

/** Node 20 is the oldest supported runtime; ES2022 keeps the libraries usable by browsers too. */
const target: Options['target'] = ['node20', 'es2022']

/**
 * protocol, crypto, sdk: published libraries for Node and browsers. ESM (`index.js`), CommonJS
 * (`index.cjs`), declarations for both (`index.d.ts`, `index.d.cts`) and source maps in dist/.
 */
export function libraryConfig(): Options {
  return {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target,
    // Declarations only: style checks of the root tsconfig (unused locals...) belong to `npm run
    // typecheck` and lint, not to the build.
    dts: {
      compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
      // The public types use WebCrypto and fetch types (CryptoKey, Crypto, Response...), which live in
      // TypeScript's DOM library: referenced here so that a Node-only project (lib without DOM) type-checks.
      banner: '/// <reference lib="dom" />',
    },
    sourcemap: true,
    splitting: false,
    clean: true,
    outDir: 'dist',
  }
}

/**
 * server, cli: ESM for Node only, not used as typed libraries (no declarations). Code splitting
 * makes every `await import()` its own chunk, loaded only when reached (the CLI's sub-commands).
 */
export function nodeConfig(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm'],
    platform: 'node',
    // Keep `node:fs` as written (tsup 8 would turn it into `fs`).
    removeNodeProtocol: false,
    target,
    dts: false,
    sourcemap: true,
    splitting: true,
    clean: true,
    outDir: 'dist',
  }
}
