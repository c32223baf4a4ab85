/** Longer "words" are cut: nobody searches for them, and they would bloat the token table. */
const maxTokenLength = 64;
const maxTokensPerText = 512;

/**
 * The distinct words of a text, lower-cased: runs of letters and digits in any script. The same
 * function splits stored messages and search queries, so matching is exact on words and
 * case-insensitive ("Hello," finds "hello").
 */
export function tokenize(text: string): string[] {
  const tokens = new Set<string>();
  for (const word of text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word === '') continue;
    tokens.add(word.length > maxTokenLength ? word.slice(0, maxTokenLength) : word);
    if (tokens.size >= maxTokensPerText) break;
  }
  return [...tokens];
}
