import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.stack/**', 'bench-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The read API reads lifecycle stages with StageReader (@leadscore/redis-layout): it never
    // depends on the lifecycle service, nor loads its write script.
    files: ['services/read-api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@leadscore/lifecycle', message: 'Read stages with StageReader from @leadscore/redis-layout.' }] },
      ],
    },
  },
  {
    // The rule engine, the calibration maths, the error catalogue and the seeded PRNG are the
    // functional core: no I/O, no clock, no logger.
    files: [
      'services/engine/src/**/*.ts',
      'services/calibration/src/**/*.ts',
      'services/errors/src/**/*.ts',
      'services/seeded-random/src/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'kafkajs', 'ioredis', 'pino', '@kafkajs/*'],
              message: 'The engine is pure: no I/O, network, logger or Kafka/Redis imports.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'The engine takes time as an argument.',
        },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The engine takes time as an argument.' },
        { selector: "MemberExpression[object.name='process']", message: 'The engine reads no environment.' },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'The engine is deterministic.',
        },
      ],
    },
  },
);
