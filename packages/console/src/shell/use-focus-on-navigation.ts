import { useEffect } from 'react'

/**
 * How long to wait for a screen's heading: screens that load first may render only a Loader, and a
 * slow server (or key work in the page) can take seconds. Past this the focus stays where it is.
 */
const WAIT_MS = 15_000

/**
 * After each navigation, moves the keyboard focus to the new screen's heading (the first h1/h2 in
 * the main region) and names the page after it, so that keyboard and screen-reader users land on the
 * new content rather than on the link they chose, and hear where they are. When the heading is not
 * there yet (the screen still loads), a MutationObserver on the main region waits for it (bounded by
 * WAIT_MS); if the user meanwhile moved the focus into the new screen themselves, it is left there.
 * The heading gets tabindex=-1: focusable by script, not a Tab stop.
 */
export function useFocusOnNavigation(path: string, mainId: string): void {
  useEffect(() => {
    const main = document.getElementById(mainId)
    if (!main) return
    // What had the focus when the navigation happened (the link chosen): anything else inside the new
    // screen that has it later was chosen by the user.
    const before = document.activeElement
    const focusHeading = (): boolean => {
      const heading = main.querySelector<HTMLElement>('h1, h2')
      if (!heading) return false
      const active = document.activeElement
      // The user got there first (typed in a search box of the new screen): do not take focus away.
      if (
        active &&
        active !== before &&
        active !== document.body &&
        main.contains(active) &&
        active !== heading
      )
        return true
      if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1')
      heading.focus()
      const name = heading.textContent?.trim()
      document.title = name ? `${name} · Cairn console` : 'Cairn console'
      return true
    }
    let observer: MutationObserver | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const stop = () => {
      observer?.disconnect()
      clearTimeout(timer)
    }
    // After React committed the new screen (this effect runs after the commit; a timeout lets nested
    // effects settle), then whenever the main region changes, until a heading is there.
    const first = setTimeout(() => {
      if (focusHeading()) return
      observer = new MutationObserver(() => {
        if (focusHeading()) stop()
      })
      observer.observe(main, { childList: true, subtree: true })
      timer = setTimeout(stop, WAIT_MS)
    }, 0)
    return () => {
      clearTimeout(first)
      stop()
    }
  }, [path, mainId])
}
