import { applyFields, marshalFields, wrapArray, type Marshalled, type ModelInit } from './model-utils.ts'
import { Telecom } from './telecom.ts'

/** The kinds of address a person or organisation can have. */
export type AddressAddressTypeEnum =
  | 'home'
  | 'work'
  | 'vacation'
  | 'hospital'
  | 'clinic'
  | 'hq'
  | 'other'
  | 'temporary'
  | 'postal'
  | 'diplomatic'
  | 'reference'

/** A postal address of a patient or healthcare professional, with the telecoms reachable there. */
export class Address {
  /** The kind of address. */
  declare addressType?: AddressAddressTypeEnum
  /** Free-text description of the address. */
  declare description?: string
  /** Street name. */
  declare street?: string
  /** House number. */
  declare houseNumber?: string
  /** Post box number. */
  declare postboxNumber?: string
  /** Postal code. */
  declare postalCode?: string
  /** City. */
  declare city?: string
  /** State or region. */
  declare state?: string
  /** Country. */
  declare country?: string
  /** Free-text note. */
  declare note?: string
  /** Telecoms reachable at this address (default `[]`). */
  declare telecoms: Telecom[]

  /** Copies the given fields and re-wraps `telecoms` (default `[]`). */
  constructor(json: ModelInit<Address>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Address>(this, { telecoms: wrapArray(source.telecoms, Telecom) })
  }

  /** Plain JSON form of this address. */
  marshal(): Marshalled<Address> {
    return marshalFields(this) as Marshalled<Address>
  }
}
