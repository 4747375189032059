import { rsaOperationCount, resetRsaOperationCount, type DataSample } from '@cairn/sdk'
import { startServer } from '../tests/support/server-process.ts'
import { makeSamples, setUp } from './fixture.ts'

const server = await startServer()
try {
  let t = performance.now()
  const fx = await setUp(server, 500)
  console.log('setup', (performance.now() - t).toFixed(0), 'ms rsa', fx.firstContactRsa, JSON.stringify(fx.template).length)
  console.log(JSON.stringify(fx.template).slice(0, 2000))
  resetRsaOperationCount()
  t = performance.now()
  const created: DataSample[] = []
  for (let i = 0; i < 10000; i += 500)
    created.push(...(await fx.hcp1.api.dataSampleApi.createOrModifyDataSamplesFor(fx.patientId, makeSamples(i, 500))))
  let dt = performance.now() - t
  console.log('create', (10000 / dt * 1000).toFixed(0), '/s rsa', rsaOperationCount())
  t = performance.now()
  const all = await fx.p.api.dataSampleApi.getDataSamplesForPatient(fx.patientAsReader)
  dt = performance.now() - t
  console.log('read', all.length, (all.length / dt * 1000).toFixed(0), '/s rsa', rsaOperationCount())
  t = performance.now()
  const items = created.slice(0, 1000)
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < items.length) { const s = items[next++]; await fx.hcp1.api.dataSampleApi.giveAccessTo(s, fx.hcp3.dataOwnerId) }
  }))
  dt = performance.now() - t
  console.log('share', (1000 / dt * 1000).toFixed(0), '/s rsa', rsaOperationCount())
} finally {
  await server.stop()
  const lines = server.output().split('\n')
  console.log(lines.slice(-3).join('\n'))
}
