import { Button, Modal, Stack, Text } from '@mantine/core'

/**
 * The notice shown when the server no longer accepts the session (signed out elsewhere, password
 * changed, account disabled, session too old): a modal dialog that cannot be dismissed other than by
 * going back to the sign-in form, since nothing on screen can be refreshed any more.
 */
export function SessionExpiredNotice({ opened, onSignIn }: { opened: boolean; onSignIn: () => void }) {
  return (
    <Modal
      opened={opened}
      onClose={onSignIn}
      title="Your session has ended"
      closeOnClickOutside={false}
      closeOnEscape={false}
      withCloseButton={false}
      centered
    >
      <Stack>
        <Text role="alert">
          The server no longer accepts this session (it expired, or it was ended elsewhere). Sign in again to
          go on; nothing was changed by the action that failed.
        </Text>
        <Button onClick={onSignIn} data-autofocus>
          Sign in again
        </Button>
      </Stack>
    </Modal>
  )
}
