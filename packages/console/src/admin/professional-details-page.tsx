import { Alert, Anchor, Badge, Code, Loader, Stack, Table, Title } from '@mantine/core'
import type { ConsoleSession } from '../session/console-session.ts'
import { ConfirmButton } from './confirm-button.tsx'
import { FailureAlert } from './failure-alert.tsx'
import { formatTime } from './format.ts'
import { hasKeys, professionalName } from './professional-labels.ts'
import { useAction } from './use-action.ts'
import { useLoad } from '../ui/use-load.ts'

/**
 * A healthcare professional's directory record: names, speciality, contacts, whether it has a key
 * pair yet, and its deletion (refused by the server while a user acts as it).
 */
export function ProfessionalDetailsPage({ session, id }: { session: ConsoleSession; id: string }) {
  const api = session.api.healthcareProfessionalApi
  const record = useLoad(() => api.getHealthcareProfessional(id), [session, id])
  const action = useAction()
  const hcp = record.data
  const contacts = (hcp?.addresses ?? []).flatMap((a) =>
    a.telecoms.map(
      (t) => `${t.telecomType ?? 'contact'} (${a.addressType ?? 'address'}): ${t.telecomNumber ?? ''}`,
    ),
  )
  const remove = () =>
    void action
      .run(() => api.deleteHealthcareProfessional(id), 'The professional is deleted.')
      .then((rev) => {
        if (rev !== undefined) window.location.hash = '/admin/professionals'
      })

  return (
    <Stack>
      <Anchor href="#/admin/professionals">← Healthcare professionals</Anchor>
      <Title order={2}>{hcp ? professionalName(hcp) : 'Healthcare professional'}</Title>
      {record.loading && !hcp && <Loader aria-label="Loading the professional" />}
      <FailureAlert error={record.message} title="Could not read the professional" />
      {hcp && (
        <>
          <Table.ScrollContainer minWidth={320}>
            <Table captionSide="top">
              <Table.Caption>
                The directory record (in clear: every signed-in user may search it)
              </Table.Caption>
              <Table.Tbody>
                {(
                  [
                    ['Id', <Code key="id">{hcp.id}</Code>],
                    ['First name', hcp.firstName ?? '—'],
                    ['Last name', hcp.lastName ?? '—'],
                    ['Speciality', hcp.speciality ?? '—'],
                    ['Contacts', contacts.length > 0 ? contacts.join('; ') : '—'],
                    [
                      'Key pair',
                      hasKeys(hcp) ? (
                        <Badge key="keys" color="green" variant="light">
                          Published
                        </Badge>
                      ) : (
                        <Badge key="keys" color="yellow" variant="light">
                          None yet (invitation not accepted)
                        </Badge>
                      ),
                    ],
                    ['Created', formatTime(hcp.created)],
                    ['Modified', formatTime(hcp.modified)],
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
          <div>
            <ConfirmButton
              label="Delete professional"
              question="The record leaves the directory; its id stays taken and its public keys readable. The server refuses while a user acts as it: delete that user first."
              onConfirm={remove}
              loading={action.busy}
            />
          </div>
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
