import { Notification, NotificationTypeEnum } from '../models/index.ts'

const KNOWN_TYPES = new Set<string>(Object.values(NotificationTypeEnum))

/**
 * A notification model from its stored JSON (clear fields, decrypted `properties`, metadata). A type
 * this SDK does not know (written by a newer app, or by hand) reads as `OTHER`, as MedTech's mapper
 * read unknown maintenance-task types, so that apps switching on the type always land in a branch.
 */
export function notificationFromJson(json: Record<string, unknown>): Notification {
  const type =
    typeof json.type === 'string' && KNOWN_TYPES.has(json.type) ? json.type : NotificationTypeEnum.OTHER
  return new Notification({ ...json, type } as ConstructorParameters<typeof Notification>[0])
}
