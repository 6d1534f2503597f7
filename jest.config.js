/**
 * Jest runs the frontend's pure modules (no JupyterLab, no browser) in Node;
 * the plugin in a real JupyterLab is what tests/browser covers.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: { module: 'commonjs', esModuleInterop: true, strict: true } }
    ]
  }
};
