// Packages whose `main` is a UMD wrapper: its inner `require("./impl/…")` calls go through the
// factory's own parameter, which esbuild cannot follow, so a bundle would keep them and fail at
// start-up (`Cannot find module './impl/format'`). Every target that bundles its packages in takes
// their ES module build instead. (Targets that leave packages to Node at run time must not: Node
// reads those `.js` files as CommonJS.)
export const bundledPackageAliases = {
  'jsonc-parser': 'jsonc-parser/lib/esm/main.js',
};
