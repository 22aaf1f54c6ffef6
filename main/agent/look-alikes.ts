/** Account names that look like a mistyped one (a leaf module: the CLI's bundle takes it too). */

/** `names` with those that look like `wanted` first (its prefix, then containing it), then by name. */
export function rankLookAlikes(wanted: string, names: readonly string[]): string[] {
  const needle = wanted.toLowerCase();
  const score = (name: string) => {
    const hay = name.toLowerCase();
    return hay.startsWith(needle) || needle.startsWith(hay) ? 0 : hay.includes(needle) ? 1 : 2;
  };
  return [...names].sort((a, b) => score(a) - score(b) || a.localeCompare(b));
}
