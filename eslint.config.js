import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_NEW_WINDOW = {
  selector: "NewExpression[callee.name='BrowserWindow']",
  message: 'Create windows through main/desktop/window.ts.',
};
const NO_SAFE_STORAGE = {
  selector: "MemberExpression[object.name='safeStorage']",
  message: 'Use safeStorage only in main/desktop/safe-storage-cipher.ts.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'docs/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The engine runs under plain Node: it must never import Electron.
    files: ['main/engine/**', 'main/agent/**', 'main/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'The engine, agent and CLI run under plain Node.' }] },
      ],
    },
  },
  {
    // CommonJS files (the CLI launcher, electron-builder's config) use require and module.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Windows come from one factory; safeStorage is used by one adapter, only after ready (B1).
    files: ['main/**'],
    rules: {
      'no-restricted-syntax': ['error', NO_NEW_WINDOW, NO_SAFE_STORAGE],
    },
  },
  { files: ['main/desktop/window.ts'], rules: { 'no-restricted-syntax': ['error', NO_SAFE_STORAGE] } },
  {
    files: ['main/desktop/safe-storage-cipher.ts'],
    rules: { 'no-restricted-syntax': ['error', NO_NEW_WINDOW] },
  },
);
