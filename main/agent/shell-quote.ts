/** Shell quoting for commands Tokentray shows the user to paste (a leaf module: no imports). */

/** `word` as one POSIX shell word: left alone when it is plain, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
