/**
 * Jest runs TypeScript through SWC (no type-checking here: `npm test` runs `tsc --noEmit` first).
 * Path aliases mirror tsconfig.json.
 */
const swc = {
  swcrc: false,
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@app/(domain|event-store|read-models|config|application)$': '<rootDir>/libs/$1/src',
    '^@app/(domain|event-store|read-models|config|application)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  globalSetup: '<rootDir>/jest.global-setup.js',
  testTimeout: 30000,
};
