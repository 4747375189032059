import { SdkError } from '../http/sdk-error.ts'

/** Start of the server's answer to a data sample linked to healthcare elements it may not link. */
const LINK_REFUSED = 'Health elements '

/**
 * Runs a data-sample write and gives the server's refusal of its healthcare-element links the exact
 * MedTech message, `Health elements <ids> do not exist or user <userId> may not access them` (MedTech
 * checked the links on the client, so its message had no HTTP decoration). Code and status stay the
 * server's (BAD_REQUEST, 400), with its request id; the HTTP error is the cause.
 */
export async function withLinkRefusalMessage<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (e) {
    if (e instanceof SdkError && e.status === 400 && e.serverMessage?.startsWith(LINK_REFUSED))
      throw new SdkError(e.code, e.serverMessage, {
        status: e.status,
        requestId: e.requestId,
        url: e.url,
        serverMessage: e.serverMessage,
        cause: e,
      })
    throw e
  }
}
