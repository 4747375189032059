import { Group, Loader, Progress, Stack, Text } from '@mantine/core'
import type { KeyStep } from './console-crypto-strategies.ts'

/** What the sign-in screens are busy with. */
export type BusyStep = KeyStep | 'signing-in' | 'restoring' | 'accepting' | 'setting-password'

const LABELS: Readonly<Record<BusyStep, string>> = {
  'signing-in': 'Signing in and opening your keys…',
  'creating-key-pair': 'Creating your key pair in this browser. This takes a few seconds…',
  'publishing-key': 'Publishing your public key…',
  restoring: 'Restoring your keys with the recovery key…',
  accepting: 'Accepting the invitation…',
  'setting-password': 'Saving your password…',
}

/**
 * The progress of a long sign-in step (RSA key generation takes seconds in a browser): a status region
 * that screen readers announce, with an indeterminate bar since the SDK gives no percentage.
 */
export function KeyProgress({ step }: { step: BusyStep }) {
  return (
    <Stack gap="xs" role="status" aria-live="polite">
      <Group gap="sm" wrap="nowrap">
        <Loader size="sm" aria-hidden />
        <Text size="sm">{LABELS[step]}</Text>
      </Group>
      <Progress value={100} striped animated aria-label={LABELS[step]} />
    </Stack>
  )
}
