import { useState } from 'react'
import { Checkbox, Stack, Text } from '@mantine/core'
import type { MedTechApi } from '@cairn/sdk'
import { KeyFingerprint } from './key-fingerprint.tsx'

/**
 * What comes before "Give access back" to a new key (doctor's and patient's inboxes): the key's full
 * fingerprint and a checkbox, "I compared this fingerprint with <name>'s". `onCompared` gets the
 * fingerprint once ticked (undefined when unticked); the caller enables the button only then and
 * hands that fingerprint to the confirmation (session/give-access-back.ts). Giving access back trusts
 * the key for good; a key announced by someone else (the server's operator) is only caught by
 * comparing with the person's own screen.
 */
export function FingerprintCheck(props: {
  api: MedTechApi
  ownerId: string
  publicKey: string
  name: string
  compared: string | undefined
  onCompared: (fingerprint: string | undefined) => void
}) {
  const { api, ownerId, publicKey, name, compared, onCompared } = props
  const [fingerprint, setFingerprint] = useState<string>()
  return (
    <Stack gap={6}>
      <KeyFingerprint
        api={api}
        ownerId={ownerId}
        publicKey={publicKey}
        label={`Fingerprint of ${name}'s new key`}
        onFingerprint={setFingerprint}
      />
      <Text size="sm">
        Ask {name} to read out the fingerprint their screen shows (by phone or in person), and compare every
        group.
      </Text>
      <Checkbox
        checked={compared !== undefined}
        disabled={fingerprint === undefined}
        onChange={(e) => onCompared(e.currentTarget.checked ? fingerprint : undefined)}
        label={`I compared this fingerprint with ${name}'s`}
      />
    </Stack>
  )
}
