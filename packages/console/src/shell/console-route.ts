import type { ComponentType, ReactNode } from 'react'
import type { ConsoleSession } from '../session/console-session.ts'

/** Values of a route's `:name` segments, e.g. `{ id: '...' }` for `/patients/:id`. */
export type RouteParams = Readonly<Record<string, string>>

/**
 * One screen of the console, addressed by the URL's fragment (`#/patients/:id`). Routes with a `label`
 * appear in the navigation; the others are reached from a screen (a patient's page from the list).
 */
export interface ConsoleRoute {
  /** Pattern of the fragment's path: literal segments and `:name` parameters. */
  readonly path: string
  /** Navigation label; absent: not in the navigation. */
  readonly label?: string
  /** Shown after the label in the navigation (a count of pending notifications). */
  readonly badge?: ComponentType<{ session: ConsoleSession }>
  readonly render: (session: ConsoleSession, params: RouteParams) => ReactNode
}

/**
 * Matches a fragment path (`/patients/42`) against a pattern (`/patients/:id`): the parameters
 * (decoded) or undefined. Pure, so that the router is a lookup.
 */
export function matchRoute(pattern: string, path: string): RouteParams | undefined {
  const want = pattern.split('/').filter(Boolean)
  const have = path.split('/').filter(Boolean)
  if (want.length !== have.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(have[i])
      } catch {
        return undefined
      }
    } else if (want[i] !== have[i]) return undefined
  }
  return params
}
