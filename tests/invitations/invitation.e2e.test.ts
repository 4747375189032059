import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Address,
  AnonymousMedTechApiBuilder,
  CodingReference,
  Content,
  DataSample,
  HealthcareElement,
  HealthcareProfessional,
  ICureRegistrationEmail,
  ICureRegistrationSMS,
  MemoryStorage,
  NotificationTypeEnum,
  Patient,
  SdkError,
  SimpleMedTechCryptoStrategies,
  Telecom,
  medTechApi,
  type AuthenticationResult,
  type MedTechApi,
} from '@cairn/sdk'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import {
  startSmtpSink,
  type ReceivedMail,
  type SmtpSink,
} from '../../packages/server/src/testing/smtp-sink.ts'
import { call } from '../access/http.ts'

/**
 * Invitations end to end (seed 004, "A Doctor Inviting a Patient", then the doctor's visit and the
 * patient getting its data): a doctor invites its patient with ICureRegistrationEmail; the email goes
 * out through a real SMTP server; the patient logs in with the token it holds, on its own device, which
 * generates its key pair and asks every data owner with access to its record for its data
 * (NEW_USER_OWN_DATA_ACCESS); the doctor shares everything back and the patient reads it. The invitation
 * token is single use and never reaches the doctor's device. Inviting a healthcare professional works the
 * same way, by email or SMS.
 */

const SPEC = 'seed-app'
const CREDENTIALS = /use the following credentials : (\S+) & (\S+)$/

/** The SdkError a call rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<SdkError | Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

/** The login and token the invitation email carries (ICureRegistrationEmail's sentence). */
function credentialsIn(mail: ReceivedMail): { login: string; token: string } {
  const m = CREDENTIALS.exec(mail.html.replace(/<[^>]+>/g, '').trim())
  expect(m, mail.html).not.toBeNull()
  return { login: m![1], token: m![2] }
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`invitations (${backend.name})`, () => {
    let smtp: SmtpSink
    let server: ServerProcess
    let doctor: Actor
    /** The doctor's API with the message gateway settings, as an app inviting patients builds it. */
    let doctorApi: MedTechApi
    let emailProcessId: string

    const anonymous = () =>
      new AnonymousMedTechApiBuilder()
        .withICureBaseUrl(server.url)
        .withMsgGwSpecId(SPEC)
        .withAuthProcessByEmailId(emailProcessId)
        .withStorage(new MemoryStorage())
        .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
        .build()

    beforeAll(async () => {
      smtp = await startSmtpSink()
      server = await startServer({
        databaseUrl: backend.databaseUrl,
        env: { CAIRN_SMTP_URL: smtp.url, CAIRN_SMTP_FROM: 'cairn@example.org' },
      })
      const admin = await call<{ token: string }>(server.url, 'POST', '/rest/v1/auth/login', {
        json: { username: server.adminLogin, password: server.adminPassword },
      })
      expect(admin.status, admin.text).toBe(200)
      const token = admin.body.token
      const app = await call(server.url, 'PUT', `/rest/v1/msggw/application/${SPEC}`, {
        token,
        json: { name: 'iCure', captcha: 'none' },
      })
      expect(app.status, app.text).toBe(200)
      const process = await call<{ id: string }>(server.url, 'POST', '/rest/v1/msggw/authprocess', {
        token,
        json: { specId: SPEC, channel: 'email', kind: 'patient' },
      })
      expect(process.status, process.text).toBe(200)
      emailProcessId = process.body.id

      doctor = await newHcp(server, 'inviting-doctor')
      doctorApi = await medTechApi(doctor.api).withMsgGwSpecId(SPEC).build()
      // ICureRegistrationEmail takes the sender from the doctor's record: it needs an email address.
      const record = await doctorApi.healthcareProfessionalApi.getHealthcareProfessional(doctor.dataOwnerId)
      await doctorApi.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({
          ...record,
          addresses: [
            new Address({
              addressType: 'work',
              telecoms: [new Telecom({ telecomType: 'email', telecomNumber: 'dr.house@example.org' })],
            }),
          ],
        }),
      )
    })

    afterAll(async () => {
      await disposeServer(server)
      await smtp?.close()
    })

    it('seed 004: the doctor invites its patient, records the visit, and shares it back when the patient asks', async () => {
      const api = doctorApi
      const hcp = await api.healthcareProfessionalApi.getHealthcareProfessional(doctor.dataOwnerId)
      const email = `invited-${Date.now()}@example.org`
      const existingPatient = await api.patientApi.createOrModifyPatient(
        new Patient({
          firstName: 'Hay',
          lastName: 'Fever',
          note: 'Seen at the practice on Monday',
          addresses: [
            new Address({
              addressType: 'home',
              telecoms: [new Telecom({ telecomType: 'email', telecomNumber: email })],
            }),
          ],
        }),
      )

      // The seed's snippet, as written there.
      const messageFactory = new ICureRegistrationEmail(hcp, 'test', 'iCure', existingPatient)
      const createdUser = await api.userApi.createAndInviteUser(existingPatient, messageFactory)

      expect(createdUser).toMatchObject({ login: email, name: email, email, patientId: existingPatient.id })
      expect(createdUser.id).toBeTruthy()
      expect(createdUser.rev).toBeTruthy()
      // A second invitation for the same patient is refused, with MedTech's text.
      expect(
        (await rejection(api.userApi.createAndInviteUser(existingPatient, messageFactory))).message,
      ).toBe('A User already exists for this Patient')

      // The email went out through the SMTP server, from the doctor, with ICureRegistrationEmail's text.
      const mail = await smtp.waitFor(email)
      expect(mail.subject).toBe('You have been invited to use iCure')
      const { login, token } = credentialsIn(mail)
      expect(login).toBe(email)
      expect(mail.html).toContain('Dear Hay, you have been invited by Test to use iCure. Go to the link test')
      // The token is the server's, minted for this invitation: the doctor's device never had it.
      expect(JSON.stringify(createdUser)).not.toContain(token)

      // The doctor records the visit (seed 004, "A Doctor Registering a Visit").
      const healthcareElement = await api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({
          description: 'My diagnosis is that the patient has Hay Fever',
          codes: new Set([
            new CodingReference({
              id: 'SNOMEDCT|21719001|20020131',
              type: 'SNOMEDCT',
              code: '21719001',
              version: '20020131',
            }),
          ]),
        }),
        existingPatient.id,
      )
      const dataSample = await api.dataSampleApi.createOrModifyDataSampleFor(
        existingPatient.id!,
        new DataSample({
          content: { en: new Content({ stringValue: 'The patient has fatigue' }) },
          codes: new Set([
            new CodingReference({
              id: 'SNOMEDCT|84229001|20020131',
              type: 'SNOMEDCT',
              code: '84229001',
              version: '20020131',
            }),
          ]),
          healthcareElementIds: new Set([healthcareElement.id!]),
        }),
      )

      // The patient, on its own device (empty key storage), accepts the invitation.
      const patientSide = await anonymous()
      const result: AuthenticationResult =
        await patientSide.authenticationApi.authenticateAndAskAccessToItsExistingData(login, token)
      expect(result.userId).toBe(createdUser.id)
      expect(result.keyPairs).toHaveLength(1)
      expect(result.keyPairs[0].publicKey).toMatch(/^[0-9a-f]+$/)
      expect(result.token).not.toBe(token)
      const patientApi = result.medTechApi
      expect((await patientApi.userApi.getLoggedUser()).patientId).toBe(existingPatient.id)
      // Its key pair was generated on its device: the public key is on its record, for everyone to use.
      const published = await api.dataOwnerApi.getDataOwner(existingPatient.id!)
      expect(api.dataOwnerApi.getPublicKeysOf(published)).toContain(result.keyPairs[0].publicKey)

      // The invitation token worked once.
      const again = await call(server.url, 'POST', '/rest/v1/auth/login', {
        json: { username: login, password: token },
      })
      expect(again.status).toBe(401)
      expect(
        (
          await rejection(
            anonymous().then((a) =>
              a.authenticationApi.authenticateAndAskAccessToItsExistingData(login, token),
            ),
          )
        ).message,
      ).toMatch(/^401 - /)

      // Until the doctor shares, the patient cannot read what the doctor wrote.
      const encrypted = await patientApi.patientApi.getPatientAndTryDecrypt(existingPatient.id!)
      expect((encrypted as Patient).note).toBeUndefined()
      expect(
        (await rejection(patientApi.healthcareElementApi.getHealthcareElement(healthcareElement.id!)))
          .message,
      ).toMatch(/^404 - /)

      // The doctor checks its notifications and shares back (medtech-api.md §5.4, "HCP reaction").
      const pending = await api.notificationApi.getPendingNotificationsAfter()
      const requests = pending.filter(
        (n) =>
          n.type === NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS && n.responsible === existingPatient.id,
      )
      expect(requests).toHaveLength(1)
      expect(requests[0].author).toBe(createdUser.id)
      await api.notificationApi.updateNotificationStatus(requests[0], 'ongoing')
      await api.patientApi.giveAccessToAllDataOf(existingPatient.id!)
      await api.notificationApi.updateNotificationStatus(requests[0], 'completed')

      // The patient rebuilds its API and reads everything.
      const reloaded = await medTechApi(patientApi).build()
      expect((await reloaded.patientApi.getPatient(existingPatient.id!)).note).toBe(
        'Seen at the practice on Monday',
      )
      expect(
        (await reloaded.healthcareElementApi.getHealthcareElement(healthcareElement.id!)).description,
      ).toBe('My diagnosis is that the patient has Hay Fever')
      expect((await reloaded.dataSampleApi.getDataSample(dataSample.id!)).content?.en?.stringValue).toBe(
        'The patient has fatigue',
      )

      // The long-lived token of the result works on a new device with the key pairs of the result.
      const later = await medTechApi()
        .withICureBaseUrl(server.url)
        .withUserName(login)
        .withPassword(result.token)
        .withStorage(new MemoryStorage())
        .withCryptoStrategies(new SimpleMedTechCryptoStrategies(result.keyPairs))
        .build()
      expect((await later.dataSampleApi.getDataSample(dataSample.id!)).content?.en?.stringValue).toBe(
        'The patient has fatigue',
      )
    })

    it("invites a healthcare professional, whose key pair is generated on the professional's own device", async () => {
      const email = `colleague-${Date.now()}@example.org`
      const colleague = await doctorApi.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional({
          firstName: 'Lisa',
          lastName: 'Cuddy',
          addresses: [
            new Address({
              addressType: 'work',
              telecoms: [new Telecom({ telecomType: 'email', telecomNumber: email })],
            }),
          ],
        }),
      )
      const hcp = await doctorApi.healthcareProfessionalApi.getHealthcareProfessional(doctor.dataOwnerId)
      const user = await doctorApi.userApi.createAndInviteUser(
        colleague,
        new ICureRegistrationEmail(
          hcp,
          'https://practice.example.org',
          'Cairn',
          new Patient({ firstName: 'Lisa' }),
        ),
      )
      expect(user).toMatchObject({ login: email, email, healthcarePartyId: colleague.id })
      const { login, token } = credentialsIn(await smtp.waitFor(email))
      const result = await (
        await anonymous()
      ).authenticationApi.authenticateAndAskAccessToItsExistingData(login, token)
      const record = await result.medTechApi.healthcareProfessionalApi.getHealthcareProfessional(
        colleague.id!,
      )
      expect(record.systemMetaData?.publicKey ?? '').not.toBe('')
      expect(
        doctorApi.dataOwnerApi.getPublicKeysOf(await doctorApi.dataOwnerApi.getDataOwner(colleague.id!)),
      ).toEqual([result.keyPairs[0].publicKey])
      // The doctor shares with its new colleague, who reads it.
      const patient = await doctorApi.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Shared', lastName: 'Case', note: 'Referral' }),
      )
      await doctorApi.patientApi.giveAccessTo(patient, colleague.id!)
      expect((await result.medTechApi.patientApi.getPatient(patient.id!)).note).toBe('Referral')
    })

    it('refuses invitations it cannot send, with MedTech texts', async () => {
      const noAddress = await doctorApi.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'No', lastName: 'Contact' }),
      )
      const hcp = await doctorApi.healthcareProfessionalApi.getHealthcareProfessional(doctor.dataOwnerId)
      const factory = new ICureRegistrationSMS(hcp, 'test', 'iCure', noAddress)
      expect((await rejection(doctorApi.userApi.createAndInviteUser(noAddress, factory))).message).toBe(
        'No email or mobile phone information provided in patient',
      )
      expect(
        (await rejection(doctorApi.userApi.createAndInviteUser(new Patient({ firstName: 'x' }), factory)))
          .message,
      ).toBe('Patient does not have a valid id')
      // Without a message gateway (the doctor's plain API has no specId).
      const plain = await medTechApi(doctor.api).build()
      expect((await rejection(plain.userApi.createAndInviteUser(noAddress, factory))).message).toBe(
        'Can not invite a user, as no msgGtwUrl and/or specId have been provided : Make sure to call .withMsgGtwUrl and .withMsgGtwSpecId when creating your MedTechApi',
      )
      // A doctor without an email address cannot build an ICureRegistrationEmail.
      expect(
        () =>
          new ICureRegistrationEmail(new HealthcareProfessional({ lastName: 'NoMail' }), 'l', 's', noAddress),
      ).toThrow('HCP does not have a valid email!')
    })
  })
}
