import { useState, type CSSProperties, type MouseEvent } from 'react'

/** Off screen until focused, then at the top left of the page, above the header. */
const HIDDEN: CSSProperties = {
  position: 'absolute',
  left: -10000,
  top: 'auto',
  width: 1,
  height: 1,
  overflow: 'hidden',
}
const SHOWN: CSSProperties = {
  position: 'fixed',
  left: 8,
  top: 8,
  zIndex: 1000,
  padding: '8px 12px',
  background: 'var(--mantine-color-body)',
  color: 'var(--mantine-color-anchor)',
  border: '2px solid currentColor',
  borderRadius: 4,
}

/**
 * The first stop of the keyboard: "Skip to main content", which moves focus to the screen's heading
 * (or its main region). A plain `#main` link would not do: the console routes on the URL's fragment,
 * so the link keeps the current fragment and moves focus itself.
 */
export function SkipLink({ targetId, path }: { targetId: string; path: string }) {
  const [focused, setFocused] = useState(false)
  const skip = (event: MouseEvent) => {
    event.preventDefault()
    const main = document.getElementById(targetId)
    const heading = main?.querySelector<HTMLElement>('h1, h2')
    const target = heading ?? main
    if (!target) return
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
    target.focus()
  }
  return (
    <a
      href={`#${path}`}
      onClick={skip}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
      style={focused ? SHOWN : HIDDEN}
    >
      Skip to main content
    </a>
  )
}
