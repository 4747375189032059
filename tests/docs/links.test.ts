import { describe, it, expect } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'

/**
 * The documentation stands on its own: README.md and docs/**.md link only to files of this
 * repository (or to anchors that exist), never to design notes outside it or to other sites.
 */

const ROOT = resolve(decodeURIComponent(new URL('../..', import.meta.url).pathname))

/** Hosts that http(s) links and URLs may name: local examples only. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1'])

/** Mentions that point at design notes kept outside the repository. */
const FORBIDDEN_MENTIONS = ['../shared', 'shared/design']

function markdownFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...markdownFiles(path))
    else if (entry.name.endsWith('.md')) out.push(path)
  }
  return out
}

/** The text without fenced code blocks. */
function withoutFences(text: string): string {
  return text.replace(/^ {0,3}(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, '')
}

/** The text without code blocks and inline code spans (where `[x](y)` is not a link). */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/`[^`\n]*`/g, '')
}

/** Targets of inline links and images, reference definitions and autolinks. */
function linkTargets(text: string): string[] {
  const prose = withoutCode(text)
  const targets: string[] = []
  for (const m of prose.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g))
    targets.push(m[1])
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)) targets.push(m[1])
  for (const m of prose.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)) targets.push(m[1])
  return targets
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** Every anchor a file defines: its headings (duplicates numbered as GitHub does) and explicit ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const m of withoutFences(text).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    const base = slug(m[1])
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    anchors.add(n === 0 ? base : `${base}-${n}`)
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1])
  return anchors
}

function isLocalUrl(url: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname)
  } catch {
    return false
  }
}

function insideRoot(path: string): boolean {
  const rel = relative(ROOT, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

/** What is wrong with the links and mentions of one Markdown file (`file` is its absolute path). */
function problemsIn(file: string, text: string): string[] {
  const problems: string[] = []
  const name = relative(ROOT, file)

  for (const target of linkTargets(text)) {
    if (target === '') {
      problems.push(`${name}: empty link target`)
      continue
    }
    if (target.startsWith('#')) {
      const anchor = decodeURIComponent(target.slice(1))
      if (anchor !== '' && !anchorsOf(text).has(anchor)) problems.push(`${name}: no heading for ${target}`)
      continue
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      if (!/^https?:/i.test(target) || !isLocalUrl(target))
        problems.push(`${name}: link outside the repository: ${target}`)
      continue
    }
    const [pathPart, anchor] = target.split('#', 2)
    if (pathPart.startsWith('/')) {
      problems.push(`${name}: absolute path ${target} (use a path relative to the file)`)
      continue
    }
    const path = resolve(dirname(file), decodeURIComponent(pathPart))
    if (!insideRoot(path)) {
      problems.push(`${name}: link outside the repository: ${target}`)
    } else if (!existsSync(path)) {
      problems.push(`${name}: broken link ${target} (${relative(ROOT, path)} does not exist)`)
    } else if (anchor && path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(anchor)) {
      problems.push(`${name}: no heading for #${anchor} in ${relative(ROOT, path)}`)
    }
  }

  for (const mention of FORBIDDEN_MENTIONS) {
    if (text.includes(mention)) problems.push(`${name}: mentions ${mention}`)
  }

  for (const m of text.matchAll(/https?:\/\/[^\s)`'"<>\]]+/gi)) {
    if (!isLocalUrl(m[0])) problems.push(`${name}: URL outside the repository: ${m[0]}`)
  }

  // A Markdown file named in the text (`docs/protocol.md`, `CRYPTO.md`) must be one of ours, found
  // next to the file or from the repository root.
  for (const m of text.matchAll(/(?<![\w./-])((?:[\w.-]+\/)*[\w-][\w.-]*\.md)(?![\w-])/g)) {
    const candidates = [resolve(dirname(file), m[1]), resolve(ROOT, m[1])]
    if (!candidates.some((p) => insideRoot(p) && existsSync(p)))
      problems.push(`${name}: mentions ${m[1]}, which is not a file of the repository`)
  }
  return problems
}

const files = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))]

describe('documentation links', () => {
  it('covers README.md and the docs', () => {
    const names = files.map((f) => relative(ROOT, f))
    for (const doc of [
      'README.md',
      'docs/architecture.md',
      'docs/protocol.md',
      'docs/compatibility.md',
      'docs/performance.md',
      'docs/adding-an-entity.md',
    ])
      expect(names).toContain(doc)
  })

  for (const file of files) {
    it(`${relative(ROOT, file)} links only to this repository`, () => {
      expect(problemsIn(file, readFileSync(file, 'utf8'))).toEqual([])
    })
  }
})

describe('the link checker', () => {
  const file = join(ROOT, 'docs', 'example.md')
  const check = (text: string) => problemsIn(file, `# Example\n\n## A section (v1.1)\n\n${text}\n`)

  it('accepts links to files, headings and local examples', () => {
    expect(
      check(
        [
          '[protocol](protocol.md), [threat model](protocol.md#threat-model), [readme](../README.md)',
          '[here](#a-section-v11), [top](#example), [server](http://127.0.0.1:16043/health)',
          'See `docs/compatibility.md`. `[not a link](nowhere.ts)` is code.',
          '```sh\ncurl http://localhost:16043/health\n```',
        ].join('\n'),
      ),
    ).toEqual([])
  })

  it('reports broken files and anchors', () => {
    expect(check('[gone](missing.md)')).not.toEqual([])
    expect(check('[gone](protocol.md#no-such-heading)')).not.toEqual([])
    expect(check('[gone](#no-such-heading)')).not.toEqual([])
    expect(check('[x]: ./missing/file.ts')).not.toEqual([])
    expect(check('![image](img/missing.png)')).not.toEqual([])
  })

  it('reports links and mentions outside the repository', () => {
    expect(check('[site](https://example.org/docs)')).not.toEqual([])
    expect(check('<https://example.org>')).not.toEqual([])
    expect(check('[up](../../elsewhere/README.md)')).not.toEqual([])
    expect(check('See ../shared/design/CRYPTO.md.')).not.toEqual([])
    expect(check('See shared/design notes.')).not.toEqual([])
    expect(check('As CRYPTO.md says.')).not.toEqual([])
    expect(check('Run `curl https://example.org`.')).not.toEqual([])
  })
})
