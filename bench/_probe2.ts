import { resetRsaOperationCount, rsaOperationCount } from '@cairn/sdk'
import { startServer } from '../tests/support/server-process.ts'
import { makeSamples, setUp } from './fixture.ts'

const server = await startServer()
try {
  const fx = await setUp(server, 20)
  const s = globalThis.crypto.subtle as any
  for (const m of ['decrypt', 'verify', 'sign', 'encrypt']) {
    const orig = s[m].bind(s)
    s[m] = (alg: any, ...rest: any[]) => {
      const name = typeof alg === 'string' ? alg : alg.name
      if (name.startsWith('RSA')) console.log('RSA', m, new Error().stack?.split('\n').slice(2, 12).join('\n'))
      return orig(alg, ...rest)
    }
  }
  resetRsaOperationCount()
  await fx.hcp1.api.dataSampleApi.createOrModifyDataSamplesFor(fx.patientId, makeSamples(0, 10))
  console.log('after create', rsaOperationCount())
  const all = await fx.p.api.dataSampleApi.getDataSamplesForPatient(fx.patientAsReader)
  console.log('read', all.length, rsaOperationCount())
} finally {
  await server.stop()
}
