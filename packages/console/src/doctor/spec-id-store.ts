/**
 * The application (MedTech's `specId`, docs/messaging.md) this browser invites patients with. Only an
 * admin can list applications, so the doctor types it once and the console remembers it in this
 * browser's localStorage (it is not a secret: it names the app in the messages).
 */
const KEY = 'cairn.console.msgGwSpecId'

/** The remembered spec id, or '' when none was entered in this browser. */
export function rememberedSpecId(): string {
  try {
    return window.localStorage.getItem(KEY) ?? ''
  } catch {
    return ''
  }
}

/** Remembers the spec id that worked, for the next invitation. */
export function rememberSpecId(specId: string): void {
  try {
    window.localStorage.setItem(KEY, specId)
  } catch {
    // A browser that refuses storage asks again next time: nothing else depends on it.
  }
}
