import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.tollgate/',
      'test/bench/results/',
      'eslint.config.js',
      'deploy/examples/sample-app/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The bin launcher is plain JavaScript outside the TypeScript project.
    files: ['bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Test doubles implement async interfaces without awaiting anything.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no clocks of its
    // own. It reaches I/O only through activities, so it imports no value from the layers that do
    // I/O (their code would be bundled into the sandbox); their types are harmless.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'fs/*', 'crypto', 'child_process', 'http', 'https', 'net'],
              message: 'workflow code is deterministic: do I/O in an activity',
            },
            {
              group: [
                '**/activities/*',
                '**/src/ledger/*',
                '**/src/targets/*',
                '**/src/policy/*',
                '**/src/chat/*',
              ],
              allowTypeImports: true,
              message:
                'workflows import only types from activities/, src/ledger, src/targets, src/policy and src/chat; shared values (queue names, option sets, schemas) live in src/domain',
            },
          ],
        },
      ],
    },
  },
  {
    // src/domain is the contract layer: everything imports it, it imports nothing of the project's.
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '../../*'],
              message: 'src/domain imports nothing above it: move the shape into src/domain',
            },
          ],
        },
      ],
    },
  },
);
