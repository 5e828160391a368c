import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'src/store/migrations/', 'src/web/dist/', 'test-artifacts/', 'src/web/vite.config.ts', 'src/web/dashboard/vite.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The service's own code: every promise is awaited or handled. One process holds hundreds of calls, so a
    // rejection nobody handles is a fault that escapes its call (`void` does not count as handling it).
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false, ignoreIIFE: false }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: true, attributes: true, properties: true, returns: true, variables: true } }],
    },
  },
  {
    // The candidate's page runs in the browser (type-checked by src/web/tsconfig.json).
    files: ['src/web/**/*.ts', 'src/web/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
);
