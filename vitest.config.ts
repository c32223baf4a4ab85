import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{apps,domain,projections,contracts,infra}/**/*.spec.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
