/**
 * The storage backends every end-to-end scenario runs on: embedded SQLite always, PostgreSQL when
 * DATABASE_URL points at one (CI sets it; `.ci/run` fails if these tests are skipped there).
 */
export const BACKENDS: { name: string; databaseUrl?: string; enabled: boolean }[] = [
  { name: 'SQLite', enabled: true },
  {
    name: process.env.DATABASE_URL ? 'PostgreSQL' : 'PostgreSQL (skipped: set DATABASE_URL to run)',
    databaseUrl: process.env.DATABASE_URL,
    enabled: Boolean(process.env.DATABASE_URL),
  },
]
