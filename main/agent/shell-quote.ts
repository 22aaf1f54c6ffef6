/** Shell quoting for commands Tokentray shows the user to paste (a leaf module: no imports). */

/**
 * A path as one POSIX shell word: left alone when it is plain, else single-quoted; one that starts
 * with "-" gets "./" in front, so that the command it goes into does not take it for an option.
 */
export function shellQuote(path: string): string {
  const word = path.startsWith('-') ? `./${path}` : path;
  return /^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
