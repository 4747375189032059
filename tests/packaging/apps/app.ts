// A strict TypeScript app using the published @cairn/sdk (installed from its npm tarball and
// compiled with tsc by tests/packaging/sdk-package.e2e.test.ts). Same scenario as app.mjs, with
// the SDK's published types; prints one JSON line.
import {
  Content,
  DataSample,
  Patient,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'

// The app is compiled without @types/node, as a browser app would be: the SDK's declarations must
// not need Node's. It declares the one Node global it reads.
declare const process: { env: Record<string, string | undefined> }

function env(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

/** A MedTechApi for HCP `who`, with the key pair given in the environment. */
function connect(who: 'A' | 'B'): Promise<MedTechApi> {
  return medTechApi()
    .withICureBaseUrl(env('CAIRN_URL'))
    .withUserName(env(`HCP_${who}_LOGIN`))
    .withPassword(env(`HCP_${who}_PASSWORD`))
    .withCryptoStrategies(
      new SimpleMedTechCryptoStrategies([
        { privateKey: env(`HCP_${who}_PRIVATE_KEY`), publicKey: env(`HCP_${who}_PUBLIC_KEY`) },
      ]),
    )
    .build()
}

const a = await connect('A')
const b = await connect('B')
const bId: string = b.dataOwnerApi.getDataOwnerIdOf(await b.userApi.getLoggedUser())

const patient: Patient = await a.patientApi.createOrModifyPatient(
  new Patient({ firstName: 'Ts', lastName: 'App', note: env('NOTE') }),
)
const sample: DataSample = await a.dataSampleApi.createOrModifyDataSampleFor(
  patient.id!,
  new DataSample({ content: { en: new Content({ stringValue: env('SAMPLE_TEXT') }) } }),
)
await a.patientApi.giveAccessTo(patient, bId)
await a.dataSampleApi.giveAccessTo(sample, bId)

const readPatient = await b.patientApi.getPatient(patient.id!)
const readSample = await b.dataSampleApi.getDataSample(sample.id!)
const sampleText: string | undefined = readSample.content.en?.stringValue
console.log(
  JSON.stringify({
    app: 'ts',
    sharedWith: bId,
    note: readPatient.note,
    sampleText,
    isDataSample: readSample instanceof DataSample,
  }),
)
