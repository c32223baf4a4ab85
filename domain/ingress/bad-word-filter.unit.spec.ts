import { describe, expect, it } from 'vitest';
import { compileFilter } from './bad-word-filter.js';
import { DEFAULT_BAD_WORDS } from './default-bad-words.js';

const filter = compileFilter();

describe('bad-word filter (default list)', () => {
  it.each([
    ['plain', 'this is shit', 'shit'],
    ['upper case', 'SHIT', 'shit'],
    ['repeated letters', 'fuuuuuuck this', 'fuck'],
    ['repeated substitutes', 'sh!!!!1t', 'shit'],
    ['digit substitutions', 'sh1t', 'shit'],
    ['symbol substitutions', '$h!t happens', 'shit'],
    ['more substitutions', 'b!7ch', 'bitch'],
    ['@ for a, 5 for s', 'what an @55hole', 'asshole'],
    ['0 for o, 3 for e', 'wh0r3', 'whore'],
    ['dots between letters', 'f.u.c.k', 'fuck'],
    ['dashes between letters', 's-h-i-t', 'shit'],
    ['underscores between letters', 'c_u_n_t', 'cunt'],
    ['spelled out with spaces', 'you f u c k', 'fuck'],
    ['spelled out, wide spaces, end of sentence', 'b   i  t c h!', 'bitch'],
    ['inflection -y', 'a shitty day', 'shit'],
    ['inflection -ing', 'pissing rain', 'piss'],
    ['inflection -es', 'bitches', 'bitch'],
    ['wildcard stem inside a word', 'motherfucker', 'fuck'],
    ['listed compound', 'that is bullshit.', 'bullshit'],
    ['fullwidth letters', 'ＳＨＩＴ', 'shit'],
    ['accents', 'shït', 'shit'],
    ['Cyrillic look-alike', 'сunt', 'cunt'],
    ['zero-width joiner inside', 'sh\u200bit', 'shit'],
    ['punctuation around', '"shit!"', 'shit'],
    ['glued by punctuation', 'hello.shit', 'shit'],
    ['multi-word entry without spaces', 'sonofabitch', 'son of a bitch'],
  ])('blocks %s: %j', (_what, text, word) => {
    expect(filter(text)).toEqual({ blocked: true, word });
  });

  it.each([
    'Scunthorpe United won',
    'an assassin in a classic cocktail bar',
    'Matsushita and Mitsubishi',
    'I read Dickens and Hitchcock',
    'my therapist likes grapes',
    'shiitake and shitake mushrooms',
    'Essex, Sussex and Middlesex',
    'a bassist and a pianist',
    'cumulative analysis of the document',
    "who're you",
    'this is it',
    'as soon as possible',
    'hello world',
    'the shell is hot',
    'I passed the class',
    'a b c d e',
    '',
  ])('lets through %j', (text) => {
    expect(filter(text)).toEqual({ blocked: false });
  });

  it('documents its limits: chunked words and glued compounds pass', () => {
    expect(filter('fu ck').blocked).toBe(false);
    expect(filter('shitstorm').blocked).toBe(false);
  });

  it('the default list is small and has no empty entries', () => {
    expect(DEFAULT_BAD_WORDS.length).toBeGreaterThan(10);
    expect(DEFAULT_BAD_WORDS.length).toBeLessThan(40);
    expect(DEFAULT_BAD_WORDS.every((w) => w.trim().length > 0)).toBe(true);
  });
});

describe('bad-word filter (custom lists)', () => {
  it('sees through separators between doubled letters, and still needs both letters', () => {
    const blocks = compileFilter(['apple', 'pineapple']);
    for (const text of ['a.p.p.l.e', 'p.i.n.e.a.p.p.l.e', 'a-p-p-l-e', 'p_i_n_e_a_p_p_l_e', 'APPLE', 'aaappplle']) expect(blocks(text).blocked, text).toBe(true);
    for (const text of ['a.p.l.e', 'aple', 'pineaple']) expect(blocks(text).blocked, text).toBe(false);
  });

  it('uses only the given words', () => {
    const custom = compileFilter(['spoiler']);
    expect(custom('no spoilers please')).toEqual({ blocked: true, word: 'spoiler' });
    expect(custom('this is shit')).toEqual({ blocked: false });
  });

  it('normalizes the list entries too', () => {
    expect(compileFilter(['B4NANA'])('banana split')).toEqual({ blocked: true, word: 'banana' });
  });

  it('an entry with * at one end drops that boundary only', () => {
    const suffixOpen = compileFilter(['grape*']);
    expect(suffixOpen('grapefruit').blocked).toBe(true);
    expect(suffixOpen('sour grape').blocked).toBe(true);
    expect(suffixOpen('agrape').blocked).toBe(false);
  });

  it('an empty list, or only blank entries, blocks nothing', () => {
    expect(compileFilter([])('shit')).toEqual({ blocked: false });
    expect(compileFilter(['', '  ', '***'])('anything')).toEqual({ blocked: false });
  });

  it('stays fast on a 64 KB message (bounded quantifiers, no catastrophic backtracking)', () => {
    const nasty = ['$5'.repeat(32 * 1024), 'f'.repeat(64 * 1024), 'f.u.c.'.repeat(10_000), 'a s '.repeat(16 * 1024), 'sh1!|'.repeat(13_000)];
    for (const text of nasty) {
      const started = performance.now();
      expect(filter(text).blocked).toBe(false);
      // A few ms here; catastrophic backtracking on 64 KB would take minutes. The bound leaves room for a busy machine.
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });
});
