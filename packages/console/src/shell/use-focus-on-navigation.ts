import { useEffect } from 'react'

/** How long to wait for a screen's heading to appear (screens render it first, before their data). */
const ATTEMPTS = 10
const RETRY_MS = 50

/**
 * After each navigation, moves the keyboard focus to the new screen's heading (the first h1/h2 in
 * the main region) and names the page after it, so that keyboard and screen-reader users land on the
 * new content rather than on the link they chose, and hear where they are. The heading gets
 * tabindex=-1: focusable by script, not a Tab stop.
 */
export function useFocusOnNavigation(path: string, mainId: string): void {
  useEffect(() => {
    let attempts = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const focus = () => {
      const heading = document.getElementById(mainId)?.querySelector<HTMLElement>('h1, h2')
      if (!heading) {
        if (++attempts < ATTEMPTS) timer = setTimeout(focus, RETRY_MS)
        return
      }
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
      heading.focus()
      const name = heading.textContent?.trim()
      document.title = name ? `${name} · Cairn console` : 'Cairn console'
    }
    timer = setTimeout(focus, 0)
    return () => clearTimeout(timer)
  }, [path, mainId])
}
