import { useCallback, useState } from 'react'
import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core'
import { useDisclosure, useMediaQuery } from '@mantine/hooks'
import type { ConsoleSession } from '../session/console-session.ts'
import { matchRoute, type ConsoleRoute } from './console-route.ts'
import { SessionExpiredNotice } from './session-expired-notice.tsx'
import { isSessionExpiry, SessionExpiryContext } from './session-expiry.ts'
import { SkipLink } from './skip-link.tsx'
import { useFocusOnNavigation } from './use-focus-on-navigation.ts'
import { useHashPath } from './use-hash-path.ts'

/** Id of the main region: the skip link's target and where the screen's heading is looked for. */
const MAIN_ID = 'main-content'
const NAV_ID = 'main-navigation'

/** Who is signed in, as the header shows it. */
function displayName(session: ConsoleSession): string {
  const u = session.user
  return u.name || u.login || u.email || u.id || 'signed in'
}

/**
 * The frame of every screen: a skip link, a header with the menu button (phones), the user and "Sign
 * out"; the navigation (a drawer on narrow screens, closed again once a screen is chosen); and the
 * screen the URL's fragment names, whose heading gets the focus after each navigation. A 401 reported
 * by a screen (useReportFailure) shows the "session ended" notice, which leads back to the sign-in.
 */
export function ConsoleShell(props: {
  session: ConsoleSession
  routes: readonly ConsoleRoute[]
  onSignOut: () => void
  /** Told when the "session ended" notice shows: the app disposes of the SDK at once. */
  onSessionEnded?: () => void
}) {
  const { session, routes, onSignOut, onSessionEnded } = props
  const [opened, { toggle, close }] = useDisclosure()
  // Below Mantine's `sm` breakpoint the navigation is a drawer: closed, it is hidden from keyboards
  // and screen readers too, not only moved off screen.
  const phone = useMediaQuery('(max-width: 48em)') ?? false
  const [path, navigate] = useHashPath()
  const [expired, setExpired] = useState(false)
  const reportFailure = useCallback(
    (e: unknown) => {
      if (!isSessionExpiry(e)) return
      setExpired(true)
      onSessionEnded?.()
    },
    [onSessionEnded],
  )
  useFocusOnNavigation(path, MAIN_ID)
  const current = routes
    .map((route) => ({ route, params: matchRoute(route.path, path) }))
    .find((m) => m.params !== undefined)
  const home = routes[0]
  // The start screen is also what `/` shows: its navigation entry is then the current one.
  const active = current?.route ?? (path === '/' ? home : undefined)

  return (
    <SessionExpiryContext.Provider value={reportFailure}>
      <SkipLink targetId={MAIN_ID} path={path} />
      <AppShell
        header={{ height: 56 }}
        navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group wrap="nowrap">
              <Burger
                opened={opened}
                onClick={toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label="Menu"
                aria-expanded={opened}
                aria-controls={NAV_ID}
              />
              <Title order={1} size="h4">
                Cairn
              </Title>
            </Group>
            <Group wrap="nowrap" gap="sm">
              <Text size="sm" visibleFrom="xs" data-testid="signed-in-user">
                {displayName(session)}
              </Text>
              <Button variant="default" size="xs" onClick={onSignOut}>
                Sign out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar
          p="xs"
          component="nav"
          aria-label="Main"
          id={NAV_ID}
          style={phone && !opened ? { visibility: 'hidden' } : undefined}
        >
          {routes
            .filter((r) => r.label)
            .map((r) => (
              <NavLink
                key={r.path}
                href={`#${r.path}`}
                label={r.label}
                rightSection={r.badge ? <r.badge session={session} /> : undefined}
                active={active === r}
                aria-current={active === r ? 'page' : undefined}
                onClick={close}
              />
            ))}
        </AppShell.Navbar>
        <AppShell.Main id={MAIN_ID} tabIndex={-1}>
          {current ? (
            current.route.render(session, current.params!)
          ) : path === '/' && home ? (
            home.render(session, {})
          ) : (
            <>
              <Title order={2}>Nothing here</Title>
              <Text role="alert">
                This address names no screen of the console.{' '}
                <a href={`#${home?.path ?? '/'}`} onClick={() => home && navigate(home.path)}>
                  Back to the start
                </a>
              </Text>
            </>
          )}
        </AppShell.Main>
      </AppShell>
      <SessionExpiredNotice opened={expired} onSignIn={onSignOut} />
    </SessionExpiryContext.Provider>
  )
}
