import { describe, expect, it } from 'vitest';
import { e2eProfileFrom } from './e2e-profile.js';

describe('PARLEY_E2E_PROFILE', () => {
  it('is embedded when unset or empty, cluster when asked, and refuses anything else', () => {
    expect(e2eProfileFrom(undefined)).toBe('embedded');
    expect(e2eProfileFrom('')).toBe('embedded');
    expect(e2eProfileFrom('embedded')).toBe('embedded');
    expect(e2eProfileFrom('cluster')).toBe('cluster');
    expect(() => e2eProfileFrom('Cluster')).toThrow(/embedded" or "cluster/);
    expect(() => e2eProfileFrom('postgres')).toThrow(/embedded" or "cluster/);
  });
});
