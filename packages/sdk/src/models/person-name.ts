import {
  applyFields,
  marshalFields,
  wrapOptionalArray,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'

/** The uses a person name can have. */
export type PersonNameUseEnum =
  'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'maiden' | 'old' | 'other'

/** One name of a person (official, maiden, nickname, ...), FHIR-style. No field has a default. */
export class PersonName {
  /** Family name. */
  declare lastName?: string
  /** Given names, in order. */
  declare firstNames: string[]
  /** Start of validity (epoch ms). */
  declare start?: number
  /** End of validity (epoch ms). */
  declare end?: number
  /** Prefixes (titles) in order. */
  declare prefix: string[]
  /** Suffixes in order. */
  declare suffix: string[]
  /** The full name as displayed. */
  declare text?: string
  /** What this name is used for. */
  declare use?: PersonNameUseEnum

  /** Copies the given fields; the string lists are copied when given and stay undefined otherwise. */
  constructor(json: ModelInit<PersonName>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<PersonName>(this, {
      firstNames: wrapOptionalArray<string>(source.firstNames),
      prefix: wrapOptionalArray<string>(source.prefix),
      suffix: wrapOptionalArray<string>(source.suffix),
    })
  }

  /** Plain JSON form of this name. */
  marshal(): Marshalled<PersonName> {
    return marshalFields(this) as Marshalled<PersonName>
  }
}
