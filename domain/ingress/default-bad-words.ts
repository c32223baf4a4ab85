/**
 * The built-in list: common English profanity only, deliberately short and tame (no slurs;
 * rooms add their own words through their filter settings).
 *
 * Syntax understood by `compileFilter`:
 * - a plain entry matches a whole word, with common inflections (`shit` → shits, shitty,
 *   shitting, shitted…);
 * - `*` at either end drops the word boundary on that side (`*fuck*` → motherfucker,
 *   clusterfuck, fuckface); use it only for words that no innocent word contains;
 * - a space inside an entry matches spaces or nothing (`son of a bitch`).
 * Compounds that contain a listed word are listed themselves (`bullshit`), because plain
 * entries never match inside a longer word (see bad-word-filter.ts on the Scunthorpe problem).
 */
export const DEFAULT_BAD_WORDS: readonly string[] = [
  '*fuck*',
  'shit',
  'shite',
  'bullshit',
  'horseshit',
  'shithead',
  'bitch',
  'son of a bitch',
  'bastard',
  'asshole',
  'arsehole',
  'jackass',
  'dumbass',
  'dickhead',
  'cunt',
  'piss',
  'wanker',
  'twat',
  'slut',
  'whore',
];
