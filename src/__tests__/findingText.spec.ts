import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'fs';
import { join } from 'path';

import type { IFinding, IGateReport } from '../api';
import {
  describeConfidence,
  describePlace,
  mask,
  summarize
} from '../findingText';

interface IPlaceCase {
  fields: Pick<
    IFinding,
    'cell_index' | 'location' | 'output_index' | 'line' | 'column'
  >;
  words: string;
}

/** The same file the server's describe_place is held to (tests/scanner/test_place.py). */
const GOLDEN: IPlaceCase[] = JSON.parse(
  readFileSync(join(__dirname, '../../tests/golden/places.json'), 'utf-8')
);

function finding(overrides: Partial<IFinding> = {}): IFinding {
  return {
    cell_index: 0,
    cell_id: 'c0',
    location: 'source',
    output_index: null,
    line: 1,
    column: 1,
    type: 'AWS Access Key',
    hashed_secret: 'h',
    preview: 'AKIA************WXYZ',
    ...overrides
  };
}

describe('describePlace', () => {
  it.each(GOLDEN.map(c => [c.words, c] as const))(
    'words %s as the server does',
    (_words, c) => {
      expect(describePlace(finding(c.fields))).toBe(c.words);
    }
  );

  it('reads the golden file (a missing file must not pass as no cases)', () => {
    expect(GOLDEN.length).toBeGreaterThanOrEqual(5);
  });
});

describe('summarize', () => {
  it('names one finding and its cell, counting from 1', () => {
    expect(summarize([finding({ cell_index: 2 })])).toBe(
      'AWS Access Key in cell 3'
    );
    expect(summarize([finding({ cell_index: null, line: 7 })])).toBe(
      'AWS Access Key in line 7'
    );
  });

  it('counts several and lists at most three types', () => {
    const types = ['D', 'A', 'C', 'B', 'A'];
    const text = summarize(types.map(type => finding({ type })));
    expect(text).toBe('5 secrets (A, B, C, …)');
  });
});

describe('describeConfidence', () => {
  const report = (action: IGateReport['action']): IGateReport => ({
    path: 'a.ipynb',
    policy: 'block',
    action,
    message: '',
    findings: []
  });

  it('says when a finding was only warned while others blocked', () => {
    const warned = finding({ confidence: 'possible', policy: 'warn' });
    expect(describeConfidence(warned, report('blocked'))).toBe(
      ' (possible, only warned)'
    );
    expect(describeConfidence(warned, report('warned'))).toBe(' (possible)');
  });

  it('says nothing for servers without confidence levels', () => {
    expect(describeConfidence(finding(), report('blocked'))).toBe('');
  });
});

describe('mask', () => {
  const MASKS: { value: string; preview: string }[] = JSON.parse(
    readFileSync(join(__dirname, '../../tests/golden/masks.json'), 'utf-8')
  );
  it.each(MASKS)(
    'masks as the server does ($preview)',
    ({ value, preview }) => {
      expect(mask(value)).toBe(preview);
    }
  );
});
