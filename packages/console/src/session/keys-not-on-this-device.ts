/**
 * Thrown by the console's crypto strategies while the SDK opens a data owner's keys: the data owner
 * has published keys but none of their private keys is in this browser (a new device, a cleared
 * profile). The sign-in screen catches it and lets the person choose between restoring the keys with
 * the recovery key and the lost-key path: the SDK never takes either by itself.
 */
export class KeysNotOnThisDevice extends Error {
  constructor(
    /** The data owner whose keys are missing. */
    readonly dataOwnerId: string,
    /** How many keys it has published. */
    readonly publishedKeys: number,
  ) {
    super('Your keys are not in this browser: restore them with your recovery key, or create a new key.')
    this.name = 'KeysNotOnThisDevice'
  }
}
