import { SdkError } from '../http/sdk-error.ts'

/**
 * MedTech's message when a label/code filter is given no criterion (the same text for every builder,
 * CodingFilter's included).
 */
export const NO_CRITERION_MESSAGE =
  'To instantiate the filter, you must specify at least one of these parameters: labelType, labelCode, codeType, or codeCode'

/**
 * The fields that were given: a filter object leaves out optional fields left undefined (or null),
 * so that it compares and travels as the caller wrote it.
 */
export function definedFields<F extends object>(fields: F): F {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)) as F
}

/** Throws MedTech's error at once (synchronously, as MedTech does) when every criterion is falsy. */
export function requireCriterion(criteria: unknown[], message = NO_CRITERION_MESSAGE): void {
  if (!criteria.some(Boolean)) throw new SdkError('BAD_REQUEST', message)
}

/**
 * A copy of a list argument (an array or a Set), so that later changes by the caller do not change
 * the filter; throws at once, naming the call, for anything else.
 */
export function listOf<V>(list: V[] | Set<V>, call: string): V[] {
  if (!Array.isArray(list) && !(list instanceof Set)) {
    throw new SdkError('BAD_REQUEST', `${call} needs an array, got ${list === null ? 'null' : typeof list}`)
  }
  return [...list]
}
