import { CodingReference } from './coding-reference.ts'
import { Identifier } from './identifier.ts'
import {
  applyFields,
  marshalFields,
  toArrayBuffer,
  wrapArray,
  wrapOptional,
  wrapSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { Property } from './property.ts'
import { SystemMetaDataOwner } from './system-meta-data-owner.ts'

/** A medical device acting as a data owner (e.g. a connected glucose meter uploading data samples). */
export class MedicalDevice {
  /** Id (UUID). */
  declare id?: string
  /** Revision, for optimistic locking. */
  declare rev?: string
  /** Deletion time (epoch ms). */
  declare deletionDate?: number
  /** Business identifiers (default `[]`). */
  declare identifiers: Identifier[]
  /** Creation time (epoch ms). */
  declare created?: number
  /** Last modification time (epoch ms). */
  declare modified?: number
  /** Id of the user who created the device. */
  declare author?: string
  /** Id of the responsible data owner. */
  declare responsible?: string
  /** Labels (default empty). */
  declare labels: Set<CodingReference>
  /** Codes (default empty). */
  declare codes: Set<CodingReference>
  /** Soft-deletion time (epoch ms). */
  declare endOfLife?: number
  /** External id. */
  declare externalId?: string
  /** Name of the device. */
  declare name?: string
  /** Type of device. */
  declare type?: string
  /** Brand. */
  declare brand?: string
  /** Model. */
  declare model?: string
  /** Serial number. */
  declare serialNumber?: string
  /** Id of the parent device or organisation. */
  declare parentId?: string
  /** Picture; accepts an ArrayBuffer or a base64 string, marshalled as base64. */
  declare picture?: ArrayBuffer
  /** Properties (default empty). */
  declare properties: Set<Property>
  /** Public crypto material. */
  declare systemMetaData?: SystemMetaDataOwner

  /** Copies the given fields and normalises identifiers, Sets, picture and metadata. */
  constructor(json: ModelInit<MedicalDevice>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<MedicalDevice>(this, {
      identifiers: wrapArray(source.identifiers, Identifier),
      labels: wrapSet(source.labels, CodingReference),
      codes: wrapSet(source.codes, CodingReference),
      picture: toArrayBuffer(source.picture),
      properties: wrapSet(source.properties, Property),
      systemMetaData: wrapOptional(source.systemMetaData, SystemMetaDataOwner),
    })
  }

  /** Plain JSON form of this device (picture as base64). */
  marshal(): Marshalled<MedicalDevice> {
    return marshalFields(this) as Marshalled<MedicalDevice>
  }
}
