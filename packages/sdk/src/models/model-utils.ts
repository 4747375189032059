/**
 * Shared machinery of the model classes: the types describing what a constructor accepts and what
 * `marshal()` returns, plus the normalisation helpers every constructor uses.
 *
 * Every model follows the same contract (docs/compatibility.md): `new X(json)` copies the given properties
 * (`Object.assign` semantics), then normalises nested and collection fields; `marshal()` produces a plain,
 * JSON-serialisable object from which `new X(...)` rebuilds an equal instance.
 */

/**
 * True when `T` is `any`: such a field maps to `unknown` below, rather than to the union of every branch of
 * the conditional types (which is what `any` would give).
 */
type IsAny<T> = 0 extends 1 & T ? true : false

/** The keys of `T` that hold data (methods such as `marshal` are left out). */
type DataKeys<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? never : K
}[keyof T]

/** What a constructor accepts in place of a field value of type `V` (see {@link ModelInit}). */
export type InitValue<V> =
  IsAny<V> extends true
    ? unknown
    : V extends ArrayBuffer
      ? ArrayBuffer | ArrayBufferView | string
      : V extends Set<infer U>
        ? Set<InitValue<U>> | InitValue<U>[]
        : V extends readonly (infer U)[]
          ? InitValue<U>[]
          : V extends object
            ? ModelInit<V>
            : V

/**
 * The argument of a model constructor: every data field of the model, all optional, where `Set` fields may
 * also be given as arrays, `ArrayBuffer` fields as base64 strings, and nested models as plain objects (for
 * example the parsed JSON of a `marshal()` output, or another instance).
 */
export type ModelInit<T> = { [K in DataKeys<T>]?: InitValue<T[K]> }

/** The JSON shape of a field value of type `V` once marshalled (see {@link Marshalled}). */
export type MarshalledValue<V> =
  IsAny<V> extends true
    ? unknown
    : V extends ArrayBuffer
      ? string
      : V extends Set<infer U>
        ? MarshalledValue<U>[]
        : V extends readonly (infer U)[]
          ? MarshalledValue<U>[]
          : V extends object
            ? Marshalled<V>
            : V

/**
 * The plain JSON shape returned by `marshal()`: Sets become arrays, ArrayBuffers become base64 strings and
 * nested models become their own marshalled form.
 */
export type Marshalled<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: MarshalledValue<T[K]>
}

/**
 * A model class, as taken by the wrapping helpers. The helpers hand it whatever JSON-like value they were
 * given (typed as its init only by assertion): the constructor is what normalises it.
 */
export type ModelClass<T> = new (json: ModelInit<T>) => T

/** Maps one element of a collection; model classes are turned into such a function by {@link wrapWith}. */
type Mapper<T> = (value: unknown) => T

/** Turns a model class into a mapper, or keeps values as they are when no class is given. */
function wrapWith<T>(cls?: ModelClass<T>): Mapper<T> {
  return cls ? (value) => new cls(value as ModelInit<T>) : (value) => value as T
}

/** True for a non-null object that is neither an array nor a Set: a record (map) value. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set)
}

/** True for the collection shapes a Set or array field accepts: an array or a Set. */
function isCollection(value: unknown): value is Iterable<unknown> {
  return Array.isArray(value) || value instanceof Set
}

/** True for plain objects (object literals, parsed JSON): the only objects marshalling recurses into. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** True for an ArrayBuffer, including one created in another realm (worker, vm context). */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]'
}

/**
 * Writes normalised field values on a freshly assigned model: defined values are set, undefined ones are
 * removed, so that a field which was not given (or could not be normalised) stays absent rather than being
 * present with an `undefined` value.
 */
export function applyFields<T extends object>(
  target: T,
  fields: { [K in keyof T]?: T[K] | undefined },
): void {
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key]
    if (value === undefined) Reflect.deleteProperty(target, key)
    else target[key] = value
  }
}

/** A nested model: re-wrapped in its class when an object is given, otherwise undefined. */
export function wrapOptional<T>(value: unknown, cls: ModelClass<T>): T | undefined {
  return typeof value === 'object' && value !== null ? new cls(value) : undefined
}

/** An array field with an empty-array default; elements are re-wrapped when a class is given. */
export function wrapArray<T>(value: unknown, cls?: ModelClass<T>): T[] {
  return wrapOptionalArray(value, cls) ?? []
}

/** An array field without default: a new array when a collection is given, otherwise undefined. */
export function wrapOptionalArray<T>(value: unknown, cls?: ModelClass<T>): T[] | undefined {
  return isCollection(value) ? [...value].map(wrapWith(cls)) : undefined
}

/** A Set field with an empty-Set default; accepts an array or a Set and always builds a new Set. */
export function wrapSet<T>(value: unknown, cls?: ModelClass<T>): Set<T> {
  return wrapOptionalSet(value, cls) ?? new Set()
}

/** A Set field without default: a new Set when an array or a Set is given, otherwise undefined. */
export function wrapOptionalSet<T>(value: unknown, cls?: ModelClass<T>): Set<T> | undefined {
  return isCollection(value) ? new Set([...value].map(wrapWith(cls))) : undefined
}

/** A record field with an empty-record default; values are re-wrapped when a class is given. */
export function wrapRecord<T>(value: unknown, cls?: ModelClass<T>): { [key: string]: T } {
  return wrapOptionalRecord(value, cls) ?? {}
}

/** A record field without default: a new record (values re-wrapped) when an object is given. */
export function wrapOptionalRecord<T>(value: unknown, cls?: ModelClass<T>): { [key: string]: T } | undefined {
  if (!isRecord(value)) return undefined
  const map = wrapWith(cls)
  const result: { [key: string]: T } = {}
  for (const [key, entry] of Object.entries(value)) result[key] = map(entry)
  return result
}

/**
 * A map-of-sets field (delegations, search terms, auto-delegations) with an empty-record default. Values
 * may be arrays or Sets; anything else (e.g. the `{}` a Set prints as in `JSON.stringify`) becomes an
 * empty Set so that the key is kept.
 */
export function wrapSetRecord<T>(value: unknown, cls?: ModelClass<T>): { [key: string]: Set<T> } {
  const result: { [key: string]: Set<T> } = {}
  if (!isRecord(value)) return result
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined) result[key] = wrapSet(entry, cls)
  }
  return result
}

/**
 * A record whose values are plain JSON structures (arrays, nested records, strings): copied deeply enough
 * that the new model does not share mutable containers with its source. Returns undefined for non-objects.
 */
export function copyOptionalRecord<T>(value: unknown): T | undefined {
  return isRecord(value) ? (copyJsonLike(value) as T) : undefined
}

/** Deep copy of arrays and plain objects; anything else is returned as is. */
function copyJsonLike(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJsonLike)
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value)) result[key] = copyJsonLike(entry)
    return result
  }
  return value
}

/**
 * Encodes bytes as standard base64 (with padding). Works in Node and browsers (uses `btoa`), in chunks so
 * that large pictures do not overflow the argument list of `String.fromCharCode`.
 */
export function arrayBufferToBase64(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = isArrayBuffer(data)
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  let binary = ''
  const chunkSize = 0x8000
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + chunkSize))
  }
  return btoa(binary)
}

/**
 * Decodes base64 (standard or URL-safe alphabet, padding optional) into a new ArrayBuffer. Throws a
 * `TypeError` naming the problem when the text is not base64, rather than silently dropping the data.
 */
export function base64ToArrayBuffer(text: string): ArrayBuffer {
  let binary: string
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  } catch {
    throw new TypeError('Invalid base64 string for a binary field')
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

/**
 * An `ArrayBuffer` field (`picture`, `Content.binaryValue`): accepts an ArrayBuffer (copied), a typed
 * array/DataView (its bytes are copied) or a base64 string (decoded); any other value gives undefined.
 */
export function toArrayBuffer(value: unknown): ArrayBuffer | undefined {
  if (typeof value === 'string') return base64ToArrayBuffer(value)
  if (isArrayBuffer(value)) return value.slice(0)
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice().buffer
  }
  return undefined
}

/**
 * Marshals one value: models through their own `marshal()`, Sets and arrays element by element (Sets
 * become arrays), ArrayBuffers to base64, plain objects key by key (undefined entries dropped). Other
 * values (primitives, dates, foreign objects) are returned unchanged.
 */
export function marshalValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof Set) return [...value].map(marshalValue)
  if (Array.isArray(value)) return value.map(marshalValue)
  if (isArrayBuffer(value)) return arrayBufferToBase64(value)
  const marshal = (value as { marshal?: unknown }).marshal
  if (typeof marshal === 'function') return marshal.call(value)
  if (isPlainObject(value)) return marshalFields(value)
  return value
}

/**
 * Marshals every own enumerable property of a model (known fields and any extra key that was copied by
 * the constructor), omitting undefined values. This is the body of every model's `marshal()`.
 */
export function marshalFields(source: object): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue
    const marshalled = marshalValue(value)
    if (marshalled !== undefined) result[key] = marshalled
  }
  return result
}
