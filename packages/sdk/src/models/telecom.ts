import { marshalFields, type Marshalled, type ModelInit } from './model-utils.ts'

/** The kinds of telecom channel an address can carry. */
export type TelecomTelecomTypeEnum =
  | 'mobile'
  | 'phone'
  | 'email'
  | 'fax'
  | 'skype'
  | 'im'
  | 'medibridge'
  | 'ehealthbox'
  | 'apicrypt'
  | 'web'
  | 'print'
  | 'disk'
  | 'other'
  | 'pager'

/** A way to reach someone at an address: a phone number, an email address, a fax, ... */
export class Telecom {
  /** The kind of channel. */
  declare telecomType?: TelecomTelecomTypeEnum
  /** The number or address on that channel. */
  declare telecomNumber?: string
  /** Free-text description. */
  declare telecomDescription?: string

  /** Copies the given fields. */
  constructor(json: ModelInit<Telecom>) {
    Object.assign(this, json)
  }

  /** Plain JSON form of this telecom. */
  marshal(): Marshalled<Telecom> {
    return marshalFields(this)
  }
}
