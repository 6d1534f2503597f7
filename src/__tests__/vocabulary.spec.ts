import { describe, expect, it } from '@jest/globals';

import { policyLines } from '../policyText';
import { ACTIONS, POLICIES, asAction, asPolicy } from '../vocabulary';

describe('the gate vocabulary', () => {
  it('accepts exactly its own words', () => {
    for (const policy of POLICIES) {
      expect(asPolicy(policy)).toBe(policy);
    }
    for (const action of ACTIONS) {
      expect(asAction(action)).toBe(action);
    }
    for (const other of ['', 'Block', 'blocked', null, undefined, 3, {}]) {
      expect(asPolicy(other)).toBeNull();
    }
    expect(asAction('block')).toBeNull();
  });
});

describe('policyLines', () => {
  it('explains the policy of the document and what it means', () => {
    const lines = policyLines({ policy: 'strip', path: 'a/b.ipynb' });
    expect(lines.join('\n')).toContain('redaction marker');
    expect(lines[0]).toBe('Secrets: strip');
  });

  it('falls back for a policy it does not know', () => {
    const lines = policyLines({
      policy: 'unheard-of' as never,
      path: 'a.ipynb'
    });
    expect(lines.join('\n')).toContain('see the server configuration');
  });
});
