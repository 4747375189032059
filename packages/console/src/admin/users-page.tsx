import { useState, type FormEvent } from 'react'
import { Anchor, Badge, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core'
import { UserFilter, type User } from '@cairn/sdk'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { Pager } from './pager.tsx'
import { useKeysetPages, type KeysetPage } from './use-keyset-pages.ts'
import { actsAs, statusOf } from './user-labels.ts'

const PAGE_SIZE = 20
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * One page of users: every user, or the ones a search names. The server searches users by id and
 * by email only (its user filters are ids and patients), so a search is an exact lookup: a UUID is a
 * user id, anything with an @ an email; a user it does not find is an empty list, not an error.
 */
async function usersPage(
  session: ConsoleSession,
  search: string,
  start: string | undefined,
): Promise<KeysetPage<User>> {
  const userApi = session.api.userApi
  if (search) {
    const found = await (UUID.test(search) ? userApi.getUser(search) : userApi.getUserByEmail(search)).catch(
      (e: unknown) => {
        if ((e as { status?: number }).status === 404) return undefined
        throw e
      },
    )
    return { rows: found ? [found] : [], total: found ? 1 : 0 }
  }
  const page = await userApi.filterUsers(await new UserFilter().build(), start, PAGE_SIZE)
  return { rows: page.rows, next: page.nextKeyPair?.startKeyDocId, total: page.totalSize }
}

/** The users screen: the list (paged), a search by id or email, and a link to each user. */
export function UsersPage({ session }: { session: ConsoleSession }) {
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const [invalid, setInvalid] = useState<string>()
  const pages = useKeysetPages((start) => usersPage(session, search, start), [session, search])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const value = typed.trim()
    if (value && !UUID.test(value) && !value.includes('@')) {
      setInvalid('Type a user id (a UUID) or an email address.')
      return
    }
    setInvalid(undefined)
    setSearch(value)
  }

  return (
    <Stack>
      <Title order={2}>Users</Title>
      <form onSubmit={submit} role="search" aria-label="Users">
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Find a user by id or email"
            description="Leave empty to list every user"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            error={invalid}
            style={{ flex: '1 1 16rem' }}
          />
          <Button type="submit">Search</Button>
          {search && (
            <Button
              variant="default"
              onClick={() => {
                setTyped('')
                setSearch('')
              }}
            >
              Show all
            </Button>
          )}
        </Group>
      </form>
      <FailureAlert error={pages.error} title="Could not list the users" />
      <Table.ScrollContainer minWidth={560}>
        <Table striped highlightOnHover captionSide="top">
          <Table.Caption>{search ? `Users matching “${search}”` : 'Every user of this server'}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Login</Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Acts as</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.rows.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>
                  <Anchor href={`#/admin/users/${encodeURIComponent(u.id ?? '')}`}>
                    {u.login ?? u.email ?? u.id}
                  </Anchor>
                </Table.Td>
                <Table.Td>{u.name}</Table.Td>
                <Table.Td>{actsAs(u).kind}</Table.Td>
                <Table.Td>
                  <Badge color={statusOf(u) === 'ACTIVE' ? 'green' : 'gray'} variant="light">
                    {statusOf(u) === 'ACTIVE' ? 'Active' : 'Disabled'}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!pages.loading && !pages.error && pages.rows.length === 0 && <Text>No user found.</Text>}
      <Pager pages={pages} label="Pages of users" noun="users" />
    </Stack>
  )
}
