import { describe, expect, it } from '@jest/globals';

import { filterRefs, groupByScope, insertionFor } from '../insertion';

const REF = 'dev/warehouse/password';

describe('insertionFor', () => {
  it.each([
    ['', `%secret ${REF}`],
    ['pw = ', `%secret ${REF}`],
    ['pw=', `%secret ${REF}`],
    ['pw: str = ', `%secret ${REF}`],
    ['connect(password=', `secret("${REF}")`],
    ['    pw = ', `secret("${REF}")`],
    ['x = f(', `secret("${REF}")`],
    ['print(', `secret("${REF}")`],
    ['a, b = ', `secret("${REF}")`]
  ])('after %j inserts %j', (before, expected) => {
    expect(insertionFor(before, REF)).toBe(expected);
  });

  it('inserts a secret:// reference in a file', () => {
    expect(insertionFor('PASSWORD=', REF, 'file')).toBe(`secret://${REF}`);
  });
});

describe('groupByScope and filterRefs', () => {
  const items = [{ ref: 'stg/b/x' }, { ref: 'dev/z/y' }, { ref: 'dev/a/y' }];

  it('groups by scope, sorted', () => {
    const groups = groupByScope(items);
    expect([...groups.keys()]).toEqual(['dev', 'stg']);
    expect(groups.get('dev')!.map(i => i.ref)).toEqual(['dev/a/y', 'dev/z/y']);
  });

  it('filters by every word, ignoring case', () => {
    expect(filterRefs(items, 'DEV y').map(i => i.ref)).toEqual([
      'dev/z/y',
      'dev/a/y'
    ]);
    expect(filterRefs(items, '')).toHaveLength(3);
    expect(filterRefs(items, 'nothing')).toHaveLength(0);
  });
});
