import type { ReactNode } from 'react'
import { Center, Paper, Stack, Title } from '@mantine/core'

/**
 * The frame of the screens shown before a session is open (sign-in, invitation, keys): one centred
 * card, full width on a phone, with the screen's title as the page's heading.
 */
export function SignedOutFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md">
      <Paper component="main" withBorder shadow="sm" p="lg" w="100%" maw={520}>
        <Stack>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  )
}
