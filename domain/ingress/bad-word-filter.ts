import { DEFAULT_BAD_WORDS } from './default-bad-words.js';

/**
 * A bad-word filter for chat text.
 *
 * What it sees through:
 * - case, accents and compatibility forms (`ＳＨＩＴ`, `shït`), zero-width characters, a few
 *   Cyrillic/Greek look-alikes (`сunt` with a Cyrillic с);
 * - character substitutions: `@ 4 ^`→a, `8`→b, `( <`→c, `3 €`→e, `9`→g, `#`→h, `1 ! |`→i,
 *   `0`→o, `$ 5`→s, `7 +`→t;
 * - repeated letters (`fuuuuck`) and separators inside a word (`f.u.c.k`, `s-h-i-t`, `f_u_c_k`);
 * - words spelled out letter by letter (`f u c k`, `b i t c h`).
 *
 * The Scunthorpe trade-off: a plain entry only matches a whole word (no letter directly
 * before it, none after it other than a common inflection), so Scunthorpe, assassin, classic,
 * Matsushita or cocktail pass. The price: a bad word glued to another (`shitstorm`) passes
 * unless listed, and an entry marked `*` (`*fuck*`) matches anywhere, so `*` is reserved for
 * stems that no innocent word contains. Letters spelled out one per token are matched
 * anywhere inside the spelled-out run (it has no word boundaries to rely on). Not attempted:
 * words split into chunks (`fu ck`), letters replaced by `*` (`f*ck`), phonetic spellings.
 *
 * Cost: each entry is one regular expression with bounded quantifiers (runs of the same
 * letter are first shortened to two), so checking is linear in the text for a fixed list.
 */
export interface FilterVerdict {
  blocked: boolean;
  /** The list entry that matched (normalized, without `*`). */
  word?: string;
}

export type BadWordFilter = (text: string) => FilterVerdict;

const SUBSTITUTES: Record<string, string> = {
  a: '@4^',
  b: '8',
  c: '(<',
  e: '3€',
  g: '9',
  h: '#',
  i: '1!|',
  o: '0',
  s: '$5',
  t: '7+',
};

/** Each substitute stands for exactly one letter, so "the same letter" is well defined. */
const LETTER_OF: ReadonlyMap<string, string> = new Map(Object.entries(SUBSTITUTES).flatMap(([letter, subs]) => [...subs].map((sub) => [sub, letter] as const)));

const LOOK_ALIKES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ѕ: 's', ԁ: 'd', ӏ: 'l',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};

/** Characters people put between the letters of a word to dodge filters. */
const SEPARATORS = '._-*~';
const INVISIBLE = /[\u00AD\u034F\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g;
const COMBINING_MARKS = /\p{M}/gu;

/** Common endings a plain entry may carry. */
const INFLECTIONS = ['s', 'es', 'ed', 'er', 'ers', 'ing', 'in', 'y', 'ies'];

const LOOK_ALIKE = new RegExp(`[${Object.keys(LOOK_ALIKES).join('')}]`, 'g');

function normalize(text: string): string {
  const plain = text.normalize('NFKD').replace(COMBINING_MARKS, '').replace(INVISIBLE, '').toLowerCase();
  return plain.replace(LOOK_ALIKE, (char) => LOOK_ALIKES[char]!);
}

/** The run class of a UTF-16 unit: its letter for a substitute, one class for all separators, one for all blanks. */
const classOfUnit = (() => {
  const table = new Map<number, number>();
  for (const [sub, letter] of LETTER_OF) table.set(sub.charCodeAt(0), letter.charCodeAt(0));
  for (const sep of SEPARATORS) table.set(sep.charCodeAt(0), '.'.charCodeAt(0));
  for (const blank of ' \t\n\r\f\v\u00a0') table.set(blank.charCodeAt(0), ' '.charCodeAt(0));
  return (unit: number): number => table.get(unit) ?? unit;
})();

/** Shortens every run of one letter (or its substitutes), separator or blank to two characters. */
function shortenRuns(text: string): string {
  const kept: number[] = [];
  let runClass = -1;
  let runLength = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const cls = classOfUnit(unit);
    runLength = cls === runClass ? runLength + 1 : 1;
    runClass = cls;
    if (runLength <= 2) kept.push(unit);
  }
  let out = '';
  for (let i = 0; i < kept.length; i += 8192) out += String.fromCharCode(...kept.slice(i, i + 8192));
  return out;
}

const escapeInClass = (chars: string) => chars.replace(/[\\\]^-]/g, '\\$&');

/**
 * `s` → `[s$5]{1,2}`; a doubled `ss` → that part twice, so separators may stand between the two
 * (`a.p.p.l.e`) and at least two letters are still needed. Input runs are at most two long.
 */
function lettersPattern(letters: string): string {
  const parts: string[] = [];
  for (let i = 0; i < letters.length; ) {
    let run = 1;
    while (letters[i + run] === letters[i]) run++;
    const letter = letters[i]!;
    const part = `[${escapeInClass(letter + (SUBSTITUTES[letter] ?? ''))}]{1,2}`;
    parts.push(part);
    if (run >= 2) parts.push(part);
    i += run;
  }
  return parts.join(`[${escapeInClass(SEPARATORS)}]{0,2}`);
}

interface CompiledEntry {
  word: string;
  /** For ordinary text. */
  bounded: RegExp;
  /** For a word spelled out one letter per token: matched anywhere in the joined letters. */
  unbounded: RegExp;
}

function compileEntry(entry: string): CompiledEntry | null {
  const normalized = normalize(entry.trim());
  const openStart = normalized.startsWith('*');
  const openEnd = normalized.endsWith('*') && normalized.length > 1;
  const words = [...normalized]
    .map((char) => LETTER_OF.get(char) ?? char)
    .join('')
    .split(/\s+/)
    .map((word) => word.replace(/[^a-z]/g, ''))
    .filter((word) => word.length > 0);
  if (words.length === 0) return null;
  const body = words.map(lettersPattern).join(`[\\s${escapeInClass(SEPARATORS)}]{0,2}`);
  const inflections = `(?:[${escapeInClass(SEPARATORS)}]{0,2}(?:${INFLECTIONS.map(lettersPattern).join('|')}))?`;
  const start = openStart ? '' : '(?<![a-z])';
  const end = openEnd ? '' : `${inflections}(?![a-z])`;
  return { word: words.join(' '), bounded: new RegExp(`${start}${body}${end}`), unbounded: new RegExp(words.map(lettersPattern).join('')) };
}

/** Runs of at least three one-character tokens (`f u c k`), joined (`fuck`). */
function spelledOutRuns(text: string): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 3) runs.push(run.join(''));
    run = [];
  };
  for (const token of text.split(/\s+/)) {
    // "k!" at the end of a sentence still counts as the single letter "k".
    const core = token.length > 1 ? token.replace(/[.,!?;:]+$/, '') : token;
    if (core.length === 1) run.push(core);
    else flush();
  }
  flush();
  return runs;
}

export function compileFilter(words: readonly string[] = DEFAULT_BAD_WORDS): BadWordFilter {
  const entries = words.map(compileEntry).filter((entry): entry is CompiledEntry => entry !== null);
  return (text) => {
    if (entries.length === 0 || text.length === 0) return { blocked: false };
    const prepared = shortenRuns(normalize(text));
    const runs = spelledOutRuns(prepared);
    for (const entry of entries) {
      if (entry.bounded.test(prepared) || runs.some((run) => entry.unbounded.test(run))) return { blocked: true, word: entry.word };
    }
    return { blocked: false };
  };
}
