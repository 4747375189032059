import {
  MSG_GW_PATH,
  ROUTES,
  type InvitationDto,
  type ProcessStartBodyDto,
  type ResponseOf,
} from '@cairn/protocol'
import type { HttpClient } from './http-client.ts'

/**
 * The default message gateway of a server: Cairn serves MedTech's message-gateway routes itself, under
 * `{server}/msggw` (MedTech's default was its cloud gateway).
 */
export function defaultMsgGwUrl(iCureBaseUrl: string): string {
  return `${iCureBaseUrl}${MSG_GW_PATH}`
}

/**
 * The message gateway of one application (`specId`), at `msgGwUrl` (which stands for the server's
 * `/msggw`): starting and validating authentication processes (public: the person has no account yet)
 * and inviting users (with the caller's session, which only ever goes to the Cairn server itself).
 * Failures are SdkErrors in the MedTech format, like every call of the SDK.
 */
export class MsgGwClient {
  constructor(
    readonly msgGwUrl: string,
    readonly specId: string,
    private readonly http: HttpClient,
  ) {}

  /**
   * Asks the gateway to send a validation code to `body.from` through process `processId`, under the
   * client-chosen `requestId` (MedTech `POST {msgGwUrl}/{specId}/process/{processId}/{requestId}`);
   * `codeLength` undefined leaves the length to the process.
   */
  async startProcess(
    processId: string,
    requestId: string,
    body: ProcessStartBodyDto,
    codeLength: number | undefined,
  ): Promise<void> {
    await this.http.callAt(this.msgGwUrl, MSG_GW_PATH, ROUTES.msgGw.startProcess, {
      params: { specId: this.specId, processId, requestId },
      query: { codeLength },
      body,
    })
  }

  /** Checks the code of a request (MedTech `GET {msgGwUrl}/{specId}/process/validate/{requestId}-{code}`). */
  async validate(requestId: string, code: string): Promise<void> {
    await this.http.callAt(this.msgGwUrl, MSG_GW_PATH, ROUTES.msgGw.validateProcess, {
      params: { specId: this.specId, validation: `${requestId}-${code}` },
    })
  }

  /**
   * Invites a user the caller just created: the server mints its single-use token, puts it in the
   * message in place of `invitation.tokenPlaceholder` and queues the message to the user.
   */
  invite(userId: string, invitation: InvitationDto): Promise<ResponseOf<typeof ROUTES.msgGw.invite>> {
    return this.http.callAt(this.msgGwUrl, MSG_GW_PATH, ROUTES.msgGw.invite, {
      params: { specId: this.specId, userId },
      body: invitation,
    })
  }
}
