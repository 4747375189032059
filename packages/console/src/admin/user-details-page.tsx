import { Alert, Anchor, Badge, Code, Group, Loader, Stack, Table, Text, Title } from '@mantine/core'
import type { TokenInfoDto, UserDto } from '@cairn/protocol'
import type { ConsoleSession } from '../session/console-session.ts'
import { ConfirmButton } from './confirm-button.tsx'
import { FailureAlert } from './failure-alert.tsx'
import { formatTime } from './format.ts'
import { useAction } from './use-action.ts'
import { useLoad } from '../ui/use-load.ts'

/** What the screen shows of a user: the whole record as admins read it, and its long-lived tokens. */
interface UserDetails {
  user: UserDto
  tokens: TokenInfoDto[]
}

async function loadDetails(session: ConsoleSession, id: string): Promise<UserDetails> {
  const path = `/user/${encodeURIComponent(id)}`
  const [user, tokens] = await Promise.all([
    session.rest.request<UserDto>('GET', path),
    session.rest.request<TokenInfoDto[]>('GET', `${path}/token`),
  ])
  return { user, tokens }
}

/** The data owner a user acts as, linked to its page when it is a professional. */
function DataOwner({ user }: { user: UserDto }) {
  if (user.healthcarePartyId)
    return (
      <>
        Healthcare professional{' '}
        <Anchor href={`#/admin/professionals/${encodeURIComponent(user.healthcarePartyId)}`}>
          <Code>{user.healthcarePartyId}</Code>
        </Anchor>
      </>
    )
  if (user.patientId)
    return (
      <>
        Patient <Code>{user.patientId}</Code>
      </>
    )
  if (user.deviceId)
    return (
      <>
        Medical device <Code>{user.deviceId}</Code>
      </>
    )
  return <>None{user.roles?.includes('ADMIN') ? ' (administrator)' : ''}</>
}

/**
 * A user's details (identifiers, roles, data owner, status, long-lived tokens) and what an admin may
 * do with the account: disable it (every session and token ends, docs/authentication.md), enable it
 * again, revoke a token, or delete the user (its data owner stays and may get a new user).
 */
export function UserDetailsPage({ session, id }: { session: ConsoleSession; id: string }) {
  const details = useLoad(() => loadDetails(session, id), [session, id])
  const action = useAction()
  const user = details.data?.user
  const self = user?.id === session.user.id
  const disabled = user?.status === 'DISABLED'

  const setStatus = (status: 'ACTIVE' | 'DISABLED') =>
    action
      .run(
        async () => {
          // The whole record back at its rev, with the new status: the server keeps what is not sent
          // only for some fields, and refuses a stale rev (409) rather than overwrite a change.
          const { authenticationTokens: _tokens, ...record } = user!
          await session.rest.request('PUT', '/user', { ...record, status })
        },
        status === 'DISABLED'
          ? 'The account is disabled: its sessions and tokens have ended.'
          : 'The account is enabled again.',
      )
      .then(details.reload)

  const revoke = (tokenId: string) =>
    action
      .run(
        () =>
          session.rest.request(
            'DELETE',
            `/user/${encodeURIComponent(id)}/token/${encodeURIComponent(tokenId)}`,
          ),
        'The token is revoked.',
      )
      .then(details.reload)

  const remove = () =>
    // Through the SDK: deleting needs a recent login, which it renews with the password it holds.
    void action
      .run(() => session.api.userApi.deleteUser(id), 'The user is deleted.')
      .then((rev) => {
        if (rev !== undefined) window.location.hash = '/admin/users'
      })

  return (
    <Stack>
      <Anchor href="#/admin/users">← Users</Anchor>
      <Title order={2}>User {user ? (user.login ?? user.email ?? user.id) : ''}</Title>
      {details.loading && !user && <Loader aria-label="Loading the user" />}
      <FailureAlert error={details.message} title="Could not read the user" />
      {user && (
        <>
          <Table.ScrollContainer minWidth={320}>
            <Table captionSide="top">
              <Table.Caption>The account</Table.Caption>
              <Table.Tbody>
                {(
                  [
                    ['Id', <Code key="id">{user.id}</Code>],
                    ['Login', user.login ?? '—'],
                    ['Name', user.name ?? '—'],
                    ['Email', user.email ?? '—'],
                    ['Mobile phone', user.mobilePhone ?? '—'],
                    ['Roles', user.roles?.length ? user.roles.join(', ') : 'none'],
                    ['Acts as', <DataOwner key="owner" user={user} />],
                    [
                      'Status',
                      <Badge key="status" color={disabled ? 'gray' : 'green'} variant="light">
                        {disabled ? 'Disabled' : 'Active'}
                      </Badge>,
                    ],
                    ['Created', formatTime(user.created)],
                  ] as const
                ).map(([name, value]) => (
                  <Table.Tr key={name}>
                    <Table.Th scope="row" w="12rem">
                      {name}
                    </Table.Th>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Title order={3}>Long-lived tokens</Title>
          {details.data!.tokens.length === 0 ? (
            <Text>This user has no long-lived token.</Text>
          ) : (
            <Table.ScrollContainer minWidth={480}>
              <Table captionSide="top">
                <Table.Caption>
                  Tokens usable as the password (their secrets are never shown again)
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Token</Table.Th>
                    <Table.Th scope="col">Created</Table.Th>
                    <Table.Th scope="col">Expires</Table.Th>
                    <Table.Th scope="col">Action</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {details.data!.tokens.map((t) => (
                    <Table.Tr key={t.tokenId}>
                      <Table.Td>
                        <Code>{t.tokenId}</Code>
                      </Table.Td>
                      <Table.Td>{formatTime(t.creationTime)}</Table.Td>
                      <Table.Td>{formatTime(t.creationTime + t.validity * 1000)}</Table.Td>
                      <Table.Td>
                        <ConfirmButton
                          label="Revoke token"
                          question="The token stops working, and the sessions opened with it end."
                          onConfirm={() => void revoke(t.tokenId)}
                          disabled={action.busy}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Title order={3}>Actions</Title>
          {self ? (
            <Text>This is your own account: another administrator can disable or delete it.</Text>
          ) : (
            <Group>
              {disabled ? (
                <ConfirmButton
                  label="Enable account"
                  color="green"
                  question="The user can log in again (with its password; its former tokens stay revoked)."
                  onConfirm={() => void setStatus('ACTIVE')}
                  loading={action.busy}
                />
              ) : (
                <ConfirmButton
                  label="Disable account"
                  question="The user can no longer log in: every session and long-lived token of it ends now."
                  onConfirm={() => void setStatus('DISABLED')}
                  loading={action.busy}
                />
              )}
              <ConfirmButton
                label="Delete user"
                question="The account, its identifiers, sessions and tokens go. Its data owner and records stay, and may be given a new user by invitation."
                onConfirm={remove}
                disabled={action.busy}
              />
            </Group>
          )}
          <FailureAlert error={action.error} title="The action failed" />
          {action.done && (
            <Alert color="green" role="status">
              {action.done}
            </Alert>
          )}
        </>
      )}
    </Stack>
  )
}
