/**
 * Words of coding labels, as the label search indexes and matches them: lower case, without accents,
 * split on anything that is not a letter or a digit. "Diabète sucré (type 2)" has the words
 * `diabete`, `sucre`, `type`, `2`; the search "diab suc" matches it because each of its words starts
 * a word of the label.
 */

/**
 * Longest word kept, in characters: longer words are cut (a search word as long is cut the same way,
 * so it still matches). Medical words rarely exceed 30 letters; 64 bounds the index keys.
 */
export const MAX_WORD_LENGTH = 64

/**
 * Most distinct words indexed per label and language. A SNOMED CT or LOINC name has a dozen words at
 * most; the bound keeps one coding from writing thousands of index rows. Words past it are not
 * searchable.
 */
export const MAX_LABEL_WORDS = 64

/** Most words of one search: each becomes an index range scan of the query. */
export const MAX_SEARCH_WORDS = 10

/** Letters that Unicode decomposition leaves whole, spelled as people type them without the accent. */
const LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
}

/**
 * `text` in lower case without accents: compatibility decomposition (NFKD, which also splits
 * ligatures such as "ﬁ"), combining marks removed, and the letters of LETTERS replaced.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => LETTERS[c])
}

/** The words of `text`, folded (see foldText), cut to MAX_WORD_LENGTH, each once, in order of appearance. */
function words(text: string): string[] {
  const out = new Set<string>()
  for (const word of foldText(text).split(/[^\p{L}\p{N}]+/u)) {
    if (word.length > 0) out.add([...word].slice(0, MAX_WORD_LENGTH).join(''))
  }
  return [...out]
}

/** The words a label is indexed under: its first MAX_LABEL_WORDS distinct words. */
export function labelWords(label: string): string[] {
  return words(label).slice(0, MAX_LABEL_WORDS)
}

/**
 * The words of a search, without those that another word of the search starts with ("diab diabetes"
 * is "diabetes": a label word starting with "diabetes" also starts with "diab"). Throws a RangeError
 * naming the limit beyond MAX_SEARCH_WORDS words.
 */
export function searchWords(label: string): string[] {
  const all = words(label)
  const kept = all.filter((w) => !all.some((other) => other !== w && other.startsWith(w)))
  if (kept.length > MAX_SEARCH_WORDS)
    throw new RangeError(`a label search has at most ${MAX_SEARCH_WORDS} words (got ${kept.length})`)
  return kept
}

/** Whether every search word starts some word of `label` (the rule the storage query applies). */
export function labelMatches(label: string, search: string): boolean {
  const indexed = labelWords(label)
  return searchWords(search).every((w) => indexed.some((word) => word.startsWith(w)))
}
