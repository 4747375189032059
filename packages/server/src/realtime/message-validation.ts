import AjvCompiler from '@fastify/ajv-compiler'
import {
  ENTITY_ROUTES,
  NAMED_SCHEMAS,
  ROUTES,
  SubscribeMessageSchema,
  type RealtimeEntityType,
  type SubscribeMessage,
} from '@cairn/protocol'
import { badRequest } from '../http/app-error.ts'
import { acceptsFilterType, isFilterType } from '../filters/filter-registry.ts'

/** A compiled validator: true for a valid value, else false with its first error in `errors`. */
type Validate = ((value: unknown) => boolean) & {
  errors?: { instancePath?: string; message?: string }[] | null
}

/**
 * Validators of subscribe messages, built with Fastify's own validator compiler, the same named
 * schemas and the same Ajv options as the HTTP routes (app.ts), so that a filter the filter route
 * accepts is exactly a filter a subscription accepts, and the same error wording comes back.
 */
export class SubscribeValidator {
  readonly #message: Validate
  readonly #filters: Record<RealtimeEntityType, Validate>

  constructor() {
    const external = Object.fromEntries(NAMED_SCHEMAS.map((s) => [String(s.$id), s]))
    const compile = AjvCompiler()(external, {
      customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false },
    })
    const validator = (schema: unknown): Validate => compile({ schema: schema as object }) as Validate
    this.#message = validator(SubscribeMessageSchema)
    // The body schemas of the filter routes: `{ filter }` with that type's filter union.
    this.#filters = {
      patient: validator(ENTITY_ROUTES.patient.filter.body),
      dataSample: validator(ENTITY_ROUTES.dataSample.filter.body),
      healthcareElement: validator(ENTITY_ROUTES.healthcareElement.filter.body),
      notification: validator(ENTITY_ROUTES.notification.filter.body),
      user: validator(ROUTES.filterUsers.body),
    }
  }

  /** The subscribe message in `value`, or a 400 (AppError) saying what is wrong with it. */
  parse(value: unknown): SubscribeMessage {
    if (!this.#message(value)) throw badRequest(`Invalid subscribe message: ${describe(this.#message)}`)
    const message = value as SubscribeMessage
    if (message.filter !== undefined) {
      const $type = (message.filter as { $type?: unknown } | null)?.$type
      // As the filter routes' guard: a filter of another type gets one clear message.
      if (
        message.entityType !== 'user' &&
        typeof $type === 'string' &&
        isFilterType($type) &&
        !acceptsFilterType(message.entityType, $type)
      )
        throw badRequest(`Unsupported filter ${$type} for ${message.entityType}`)
      const validate = this.#filters[message.entityType]
      if (!validate({ filter: message.filter }))
        throw badRequest(`Invalid filter for ${message.entityType}: ${describe(validate)}`)
    }
    return message
  }
}

function describe(validate: Validate): string {
  const first = validate.errors?.[0]
  return first ? `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` : 'invalid'
}
