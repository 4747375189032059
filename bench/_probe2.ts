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
  const xm = (fx.p.api as any).ctx.exchangeKeys
  const okf = xm.keysFrom.bind(xm)
  xm.keysFrom = (d: string, r: boolean) => { if (r || !xm.incoming.has(d)) console.log('REFRESH', d === fx.hcp1.dataOwnerId ? 'hcp1' : d === fx.p.dataOwnerId ? 'p' : d, new Error().stack?.split('\n').slice(2,8).join('\n')); return okf(d, r) }
  const of = globalThis.fetch
  globalThis.fetch = ((u: any, i: any) => { if (String(u).includes('exchangekey')) console.log('FETCH', String(u), 'hcp1', fx.hcp1.dataOwnerId, 'p', fx.p.dataOwnerId); return of(u, i) }) as any
  await fx.hcp1.api.dataSampleApi.createOrModifyDataSamplesFor(fx.patientId, makeSamples(0, 10))
  console.log('after create', rsaOperationCount())
  const all = await fx.p.api.dataSampleApi.getDataSamplesForPatient(fx.patientAsReader)
  console.log('read', all.length, rsaOperationCount())
} finally {
  await server.stop()
}
