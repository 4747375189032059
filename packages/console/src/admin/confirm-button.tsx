import { useState, type ReactNode } from 'react'
import { Button, Group, Modal, Stack, Text } from '@mantine/core'

/**
 * A button for an action that cannot be undone (delete, disable): it opens a dialog that says what
 * will happen, and acts only on "Confirm". The dialog traps the focus and closes with Escape.
 */
export function ConfirmButton(props: {
  /** The button's name, also the dialog's confirm button ("Delete user"). */
  label: string
  /** What will happen, in a sentence. */
  question: ReactNode
  onConfirm: () => void
  color?: string
  disabled?: boolean
  loading?: boolean
}) {
  const [opened, setOpened] = useState(false)
  return (
    <>
      <Button
        color={props.color ?? 'red'}
        variant="light"
        onClick={() => setOpened(true)}
        disabled={props.disabled}
        loading={props.loading}
      >
        {props.label}
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`${props.label}?`} centered>
        <Stack>
          <Text>{props.question}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button
              color={props.color ?? 'red'}
              onClick={() => {
                setOpened(false)
                props.onConfirm()
              }}
            >
              Confirm: {props.label.toLowerCase()}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  )
}
