import { useEffect } from 'react'
import { Code, Loader, Stack, Text } from '@mantine/core'
import type { MedTechApi } from '@cairn/sdk'
import { groupFingerprint, keyFingerprint } from '../session/key-fingerprint.ts'
import { ErrorAlert } from './error-alert.tsx'
import { useLoad } from './use-load.ts'

/**
 * The full fingerprint of a public key that `ownerId` publishes, grouped by four, for the key's owner
 * and whoever gives it access back to compare out of band (by phone, in person) before trusting it.
 * It is the SDK's fingerprint (`dataOwnerApi.getFingerprints`, through session/key-fingerprint.ts), the
 * one the trust decision checks; a key the owner does not publish is an error, never a fingerprint.
 * `onFingerprint` gets it once known (the caller passes it on to the confirmation).
 */
export function KeyFingerprint(props: {
  api: MedTechApi
  ownerId: string
  publicKey: string
  label?: string
  onFingerprint?: (fingerprint: string) => void
}) {
  const { api, ownerId, publicKey, label = 'Key fingerprint', onFingerprint } = props
  const loaded = useLoad(() => keyFingerprint(api, ownerId, publicKey), [api, ownerId, publicKey])
  useEffect(() => {
    if (loaded.data !== undefined) onFingerprint?.(loaded.data)
  }, [loaded.data])
  return (
    <Stack gap={2}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      {loaded.loading && !loaded.data && <Loader size="xs" aria-label="Reading the fingerprint" />}
      <ErrorAlert error={loaded.error} title="No fingerprint to compare" />
      {loaded.data && (
        <Code block data-testid="key-fingerprint" style={{ fontSize: '1rem', whiteSpace: 'normal' }}>
          {groupFingerprint(loaded.data)}
        </Code>
      )}
    </Stack>
  )
}
