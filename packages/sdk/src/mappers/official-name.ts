import { PersonName } from '../models/index.ts'

/**
 * Completes a data owner's names as the original backend did: adds an `official` PersonName built
 * from last and first name when there is none, and reads last/first name back from it when absent.
 */
export function withOfficialName(p: {
  names: PersonName[]
  lastName?: string
  firstName?: string
  text?: string
}): { names: PersonName[]; lastName?: string; firstName?: string; official?: PersonName } {
  const names = [...p.names]
  if ((p.lastName || p.text) && !names.some((n) => n.use === 'official')) {
    names.push(
      new PersonName({
        lastName: p.lastName,
        firstNames: p.firstName ? [p.firstName] : [],
        prefix: [],
        suffix: [],
        text: p.text ?? [p.lastName, p.firstName].filter(Boolean).join(' '),
        use: 'official',
      }),
    )
  }
  const official = names.find((n) => n.use === 'official')
  return {
    names,
    lastName: p.lastName ?? official?.lastName,
    firstName: p.firstName ?? official?.firstNames?.[0],
    official,
  }
}
