// ESLint flat config. `npm run lint` (part of `npm test`) runs `eslint .` with it.
//
// TypeScript sources are linted with typescript-eslint's type-checked recommended rules against
// the root tsconfig.json (the one program that `npm run typecheck` checks). The few JavaScript
// files outside that program (e.g. packages/cli/bin/cairn.js) get ESLint's basic recommended rules.
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

/** The files of the root tsconfig.json program. */
const typeScriptFiles = [
  'packages/*/src/**/*.ts',
  'packages/console/src/**/*.tsx',
  'packages/console/vite.config.ts',
  'tests/**/*.ts',
  'bench/**/*.ts',
  'vitest.config.ts',
  'tsup.shared.ts',
  'packages/*/tsup.config.ts',
]

export default defineConfig(
  {
    ignores: ['**/dist/', '**/node_modules/', '**/coverage/', '**/.bench/', '**/.cairn/', '**/.scratch/'],
  },
  {
    // Parsed as ES modules, .cjs included: the CommonJS test apps declare `require` themselves
    // (`/* global require */` in tests/packaging/apps/app.cjs).
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
    },
  },
  {
    files: typeScriptFiles,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A leading underscore marks a parameter or binding that is unused on purpose: the MedTech
      // signatures kept by methods Cairn does not implement yet, or fields removed by destructuring.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
)
