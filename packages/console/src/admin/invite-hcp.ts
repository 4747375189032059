import {
  Address,
  HealthcareProfessional,
  MemoryStorage,
  Patient,
  Telecom,
  medTechApi,
  type EmailMessageFactory,
  type MedTechApi,
} from '@cairn/sdk'
import { invitationLink } from '../session/invitation-link.ts'

/** What the invitation form collects. */
export interface HcpInvitation {
  email: string
  firstName: string
  lastName: string
  /** The application (specId) whose name and sender the email carries. */
  specId: string
  appName: string
  /** How long the invitation token is valid, in seconds. */
  validitySeconds: number
}

/** What was made: the professional's record and its user. */
export interface InvitedHcp {
  healthcareProfessionalId: string
  userId: string
  login: string
}

/** Steps, for the progress the form shows. */
export type InvitationStep = 'record' | 'invitation'

/**
 * Invites a healthcare professional as `cairn invite-hcp` does: creates its directory record (its
 * email as a work address), then the SDK's `createAndInviteUser` creates its user and has the server
 * email it a single-use token. The email's link is this console's "accept invitation" screen with the
 * login and token in the URL's fragment (invitationLink): the professional makes its key pair in its
 * own browser there. The token never reaches this page: the SDK hands the message a placeholder that
 * the server replaces. A failed invitation deletes the record again, so that it can simply be retried.
 *
 * The admin's session API has no message gateway settings: a second API with the application's
 * specId is built from it (a fresh login, which also satisfies the server's "recent login" rule for
 * creating a user), and logged out at the end.
 */
export async function inviteHcp(
  sessionApi: MedTechApi,
  origin: string,
  p: HcpInvitation,
  onStep: (step: InvitationStep) => void = () => undefined,
): Promise<InvitedHcp> {
  const api = await medTechApi(sessionApi)
    .withMsgGwSpecId(p.specId)
    // An admin is no data owner: nothing of this API is worth keeping in the browser.
    .withStorage(new MemoryStorage())
    .build()
  try {
    onStep('record')
    const hcp = await api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
      new HealthcareProfessional({
        firstName: p.firstName,
        lastName: p.lastName,
        addresses: [
          new Address({
            addressType: 'work',
            telecoms: [new Telecom({ telecomType: 'email', telecomNumber: p.email })],
          }),
        ],
      }),
    )
    const message: EmailMessageFactory = {
      dataOwner: hcp,
      link: origin,
      patient: new Patient({ firstName: p.firstName, lastName: p.lastName }),
      get: (recipient, token) => {
        const link = invitationLink(origin, recipient.login ?? p.email, token)
        return {
          subject: `You have been invited to use ${p.appName}`,
          html:
            `<p>Dear ${escapeHtml(p.firstName)}, you have been invited to use ${escapeHtml(p.appName)}.</p>` +
            `<p>Open <a href="${escapeHtml(link)}">${escapeHtml(link)}</a> to accept the invitation: ` +
            `your keys are made in your own browser there. The link works once, within ` +
            `${Math.round(p.validitySeconds / 3600)} hours.</p>`,
        }
      },
    }
    onStep('invitation')
    try {
      const user = await api.userApi.createAndInviteUser(hcp, message, p.validitySeconds)
      return { healthcareProfessionalId: hcp.id!, userId: user.id!, login: user.login! }
    } catch (e) {
      await api.healthcareProfessionalApi.deleteHealthcareProfessional(hcp.id!).catch(() => undefined)
      throw e
    }
  } finally {
    await api.logout().catch(() => undefined)
  }
}

/** Text inside the invitation's HTML: names are typed by the admin, and may hold `<` or `&`. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
