import { EditorState } from '@codemirror/state';
import { describe, expect, it } from '@jest/globals';

import type { IFinding } from '../api';
import { marksField, setMarks } from '../editorMarks';
import {
  nextFinding,
  planCellMarks,
  statusWords,
  tooltipFor
} from '../markPlan';

function finding(overrides: Partial<IFinding> = {}): IFinding {
  return {
    cell_index: 0,
    cell_id: 'a',
    location: 'source',
    output_index: null,
    line: 1,
    column: 5,
    type: 'AWS Access Key',
    confidence: 'likely',
    hashed_secret: 'h1',
    preview: 'AKIA************WXYZ',
    range: { start: 5, end: 25 },
    ...overrides
  };
}

describe('planCellMarks', () => {
  it('underlines source ranges and flags outputs, never naming a value', () => {
    const marks = planCellMarks([
      finding(),
      finding({
        location: 'output',
        output_index: 2,
        range: null,
        hashed_secret: 'h2'
      })
    ]);
    expect(marks.ranges).toHaveLength(1);
    expect(marks.ranges[0]).toMatchObject({ start: 5, end: 25 });
    expect([...marks.outputs.keys()]).toEqual([2]);
    expect(marks.count).toBe(2);
    expect(marks.title).toContain('2 secrets in this cell');
    expect(marks.title).toContain('AKIA************WXYZ');
  });

  it('a source finding without a range gets the cell marker but no underline', () => {
    const marks = planCellMarks([finding({ range: null })]);
    expect(marks.ranges).toHaveLength(0);
    expect(marks.count).toBe(1);
  });

  it('nothing found: no marks and no tooltip', () => {
    expect(planCellMarks([])).toMatchObject({
      ranges: [],
      count: 0,
      title: ''
    });
  });

  it('says what to do in the tooltip', () => {
    expect(tooltipFor(finding())).toMatch(/move it to the secret store/);
  });
});

describe('nextFinding', () => {
  const a = finding({ cell_index: 0, range: { start: 5, end: 9 } });
  const b = finding({ cell_index: 0, range: { start: 20, end: 29 } });
  const c = finding({
    cell_index: 3,
    location: 'output',
    output_index: 0,
    range: null
  });

  it('goes to the first finding after the cursor, outputs after sources', () => {
    expect(nextFinding([c, b, a], { cell: 0, offset: 0 })).toBe(a);
    expect(nextFinding([c, b, a], { cell: 0, offset: 5 })).toBe(b);
    expect(nextFinding([c, b, a], { cell: 0, offset: 20 })).toBe(c);
  });

  it('wraps around, and has nothing to go to without findings', () => {
    expect(nextFinding([a, b, c], { cell: 5, offset: 0 })).toBe(a);
    expect(nextFinding([], null)).toBeNull();
    expect(nextFinding([b, a], null)).toBe(a);
  });
});

describe('statusWords', () => {
  it.each([
    ['block', 2, 'Secrets: block · 2 findings'],
    ['strip', 1, 'Secrets: strip · 1 finding'],
    ['warn', 0, 'Secrets: warn · no findings'],
    ['block', null, 'Secrets: block'],
    [null, null, 'Secrets']
  ])('%s with %s', (policy, count, words) => {
    expect(statusWords(policy, count)).toBe(words);
  });
});

describe('marks across edits (the CodeMirror state field)', () => {
  function marked(doc: string, start: number, end: number): EditorState {
    const state = EditorState.create({ doc, extensions: [marksField] });
    return state.update({ effects: setMarks.of([{ start, end, title: 't' }]) })
      .state;
  }

  function ranges(state: EditorState): [number, number][] {
    const out: [number, number][] = [];
    state.field(marksField).between(0, state.doc.length, (from, to) => {
      out.push([from, to]);
    });
    return out;
  }

  it('a mark follows its value when text is typed before it', () => {
    const state = marked('k = "SECRETVALUE"', 5, 16);
    const after = state.update({ changes: { from: 0, insert: 'my_' } }).state;
    expect(ranges(after)).toEqual([[8, 19]]);
  });

  it('a mark is dropped when its value is deleted', () => {
    const state = marked('k = "SECRETVALUE"', 5, 16);
    const after = state.update({ changes: { from: 5, to: 16 } }).state;
    expect(ranges(after)).toEqual([]);
  });

  it('a new scan replaces the marks; out-of-range ones are ignored', () => {
    const state = marked('k = "SECRETVALUE"', 5, 16);
    const after = state.update({
      effects: setMarks.of([
        { start: 0, end: 1, title: 't' },
        { start: 10, end: 999, title: 'beyond the text' }
      ])
    }).state;
    expect(ranges(after)).toEqual([[0, 1]]);
  });
});
