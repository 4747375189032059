import { useCallback, useSyncExternalStore } from 'react'

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange)
  return () => window.removeEventListener('hashchange', onChange)
}

/** The path in the URL's fragment (`#/patients?q=x` -> `/patients`), `/` when there is none. */
function currentPath(): string {
  const path = window.location.hash.replace(/^#/, '').split('?')[0]
  return path.startsWith('/') ? path : '/'
}

/**
 * The console's router state: the fragment's path and a function to go elsewhere. The fragment is
 * never sent to the server, so every screen is served by the one page at `/` and reloads keep it.
 */
export function useHashPath(): [string, (path: string) => void] {
  const path = useSyncExternalStore(subscribe, currentPath)
  const navigate = useCallback((to: string) => {
    window.location.hash = to
  }, [])
  return [path, navigate]
}
