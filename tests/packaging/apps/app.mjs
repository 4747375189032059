// A plain-JavaScript ESM app using the published @cairn/sdk (installed from its npm tarball by
// tests/packaging/sdk-package.e2e.test.ts). HCP A creates a patient with a note and a data sample,
// shares both with HCP B; B reads them back. Prints one JSON line.
/* global console, process */
import { Content, DataSample, Patient, SimpleMedTechCryptoStrategies, medTechApi } from '@cairn/sdk'

function env(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

/** A MedTechApi for HCP `who` ("A" or "B"), with the key pair given in the environment. */
function connect(who) {
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
const bId = b.dataOwnerApi.getDataOwnerIdOf(await b.userApi.getLoggedUser())

const patient = await a.patientApi.createOrModifyPatient(
  new Patient({ firstName: 'Esm', lastName: 'App', note: env('NOTE') }),
)
const sample = await a.dataSampleApi.createOrModifyDataSampleFor(
  patient.id,
  new DataSample({ content: { en: new Content({ stringValue: env('SAMPLE_TEXT') }) } }),
)
await a.patientApi.giveAccessTo(patient, bId)
await a.dataSampleApi.giveAccessTo(sample, bId)

const readPatient = await b.patientApi.getPatient(patient.id)
const readSample = await b.dataSampleApi.getDataSample(sample.id)
console.log(
  JSON.stringify({
    app: 'esm',
    sharedWith: bId,
    note: readPatient.note,
    sampleText: readSample.content.en?.stringValue,
    isDataSample: readSample instanceof DataSample,
  }),
)
