import {
  applyFields,
  copyOptionalRecord,
  marshalFields,
  wrapOptionalArray,
  wrapSetRecord,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'

/** An entry of a codification system (a code with its descriptions), stored by the coding API. */
export class Coding {
  /** Id of the coding, `type|code|version`. */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** The codification system (e.g. `SNOMEDCT`). */
  declare type?: string
  /** The code. */
  declare code?: string
  /** The version of the codification system. */
  declare version?: string
  /** Regions where the code is used. */
  declare regions?: string[]
  /** Descriptions of the code, by language. */
  declare description?: { [language: string]: string }
  /** Links to other codes, by link type. No default. */
  declare qualifiedLinks: { [linkType: string]: string[] }
  /** Search terms, by language (default `{}`; values accept arrays or Sets). */
  declare searchTerms: { [language: string]: Set<string> }

  /** Copies the given fields, copying the lists/maps and building new Sets of search terms. */
  constructor(json: ModelInit<Coding>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Coding>(this, {
      regions: wrapOptionalArray<string>(source.regions),
      description: copyOptionalRecord(source.description),
      qualifiedLinks: copyOptionalRecord(source.qualifiedLinks),
      searchTerms: wrapSetRecord<string>(source.searchTerms),
    })
  }

  /** Plain JSON form of this coding (search-term Sets become arrays). */
  marshal(): Marshalled<Coding> {
    return marshalFields(this) as Marshalled<Coding>
  }
}
