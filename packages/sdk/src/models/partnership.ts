import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/** The kinds of relationship a patient can have with another person. */
export type PartnershipTypeEnum =
  | 'primary_contact'
  | 'primary_contact_for'
  | 'family'
  | 'friend'
  | 'counselor'
  | 'contact'
  | 'brother'
  | 'brotherinlaw'
  | 'child'
  | 'daughter'
  | 'employer'
  | 'father'
  | 'grandchild'
  | 'grandparent'
  | 'husband'
  | 'lawyer'
  | 'mother'
  | 'neighbour'
  | 'notary'
  | 'partner'
  | 'sister'
  | 'sisterinlaw'
  | 'son'
  | 'spouse'
  | 'stepdaughter'
  | 'stepfather'
  | 'stepmother'
  | 'stepson'
  | 'tutor'
  | 'next_of_kin'
  | 'federal_agency'
  | 'insurance_company'
  | 'state_agency'
  | 'unknown'
  | 'seealso'
  | 'refer'

/** The states a partnership can be in. */
export type PartnershipStatusEnum = 'active' | 'complicated' | 'past'

/** A relationship between a patient and another person (next of kin, contact person, ...). */
export class Partnership {
  /** The kind of relationship. */
  declare type?: PartnershipTypeEnum
  /** Whether the relationship is current. */
  declare status?: PartnershipStatusEnum
  /** The id of the partner (usually another patient). */
  declare partnerId?: string

  /** Copies the given fields. */
  constructor(json: ModelInit<Partnership>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this partnership. */
  marshal(): Marshalled<Partnership> {
    return marshalFields(this)
  }
}
