import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core'
import { useDisclosure } from '@mantine/hooks'
import type { ConsoleSession } from '../session/console-session.ts'
import { matchRoute, type ConsoleRoute } from './console-route.ts'
import { useHashPath } from './use-hash-path.ts'

/** Who is signed in, as the header shows it. */
function displayName(session: ConsoleSession): string {
  const u = session.user
  return u.name || u.login || u.email || u.id || 'signed in'
}

/**
 * The frame of every screen: a header with the menu button (phones), the user and "Sign out"; the
 * navigation (a drawer on narrow screens); and the screen the URL's fragment names.
 */
export function ConsoleShell(props: {
  session: ConsoleSession
  routes: readonly ConsoleRoute[]
  onSignOut: () => void
}) {
  const { session, routes, onSignOut } = props
  const [opened, { toggle, close }] = useDisclosure()
  const [path, navigate] = useHashPath()
  const current = routes
    .map((route) => ({ route, params: matchRoute(route.path, path) }))
    .find((m) => m.params !== undefined)
  const home = routes[0]

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
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
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {routes
          .filter((r) => r.label)
          .map((r) => (
            <NavLink
              key={r.path}
              href={`#${r.path}`}
              label={r.label}
              active={current?.route === r}
              aria-current={current?.route === r ? 'page' : undefined}
              onClick={close}
            />
          ))}
      </AppShell.Navbar>
      <AppShell.Main>
        {current ? (
          current.route.render(session, current.params!)
        ) : path === '/' && home ? (
          home.render(session, {})
        ) : (
          <Text role="alert">
            Nothing here.{' '}
            <a href={`#${home?.path ?? '/'}`} onClick={() => home && navigate(home.path)}>
              Back to the start
            </a>
          </Text>
        )}
      </AppShell.Main>
    </AppShell>
  )
}
