/**
 * Uniform type identifiers by file extension, as the MedTech SDK's `setDataSampleAttachment` assigns
 * them (medtech-api.md §2.2). Extensions are compared as written: `PDF` is not `pdf` (MedTech's rule).
 */
const UTI_BY_EXTENSION: Record<string, string> = {
  jpeg: 'public.jpeg',
  jpg: 'public.jpeg',
  jfif: 'public.jpeg',
  jpe: 'public.jpeg',
  txt: 'public.plain-text',
  text: 'public.plain-text',
  ini: 'public.plain-text',
  rtf: 'public.rtf',
  rtx: 'public.rtf',
  html: 'public.html',
  htm: 'public.html',
  xhtml: 'public.html',
  xhtm: 'public.html',
  shtml: 'public.html',
  shtm: 'public.html',
  json: 'public.json',
  xml: 'public.xml',
  xsd: 'public.xml',
  xsl: 'public.xml',
  png: 'public.png',
  pdf: 'public.adobe.pdf',
}

/**
 * The main uniform type identifier of a document from its name's extension (the text after the last
 * `.`), or undefined for no name, no extension or one not in MedTech's list.
 */
export function mainUtiOf(name: string | undefined): string | undefined {
  if (!name) return undefined
  const dot = name.lastIndexOf('.')
  if (dot < 0) return undefined
  const extension = name.slice(dot + 1)
  return Object.prototype.hasOwnProperty.call(UTI_BY_EXTENSION, extension)
    ? UTI_BY_EXTENSION[extension]
    : undefined
}
