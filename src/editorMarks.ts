/**
 * Underlines in a CodeMirror 6 editor for the secrets the server found.
 *
 * The ranges live in a state field, so CodeMirror maps them through every
 * edit: a marker stays on its value while the user types elsewhere, and an
 * edit inside the value shrinks or drops it until the next scan replaces the
 * whole set. Nothing here knows what the value is: only offsets and a tooltip.
 */
import { Extension, StateEffect, StateField } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView } from '@codemirror/view';
import { CodeEditor } from '@jupyterlab/codeeditor';

/** One underlined range, UTF-16 offsets into the editor's text, as the server sends them. */
export interface IMarkRange {
  start: number;
  end: number;
  /** Tooltip: type, masked preview, what to do. */
  title: string;
}

/** Replaces an editor's marks (exported for tests). */
export const setMarks = StateEffect.define<IMarkRange[]>();

/** The marks of one editor, mapped through its edits (exported for tests). */
export const marksField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setMarks)) {
        next = decorations(effect.value, tr.state.doc.length);
      }
    }
    return next;
  },
  provide: field => EditorView.decorations.from(field)
});

function decorations(ranges: IMarkRange[], length: number): DecorationSet {
  const valid = ranges
    .filter(r => r.start >= 0 && r.end > r.start && r.end <= length)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  return Decoration.set(
    valid.map(r =>
      Decoration.mark({
        class: 'jp-SecretsMark',
        attributes: { title: r.title, 'data-jp-secrets-mark': '' }
      }).range(r.start, r.end)
    )
  );
}

const extension: Extension = marksField;
const injected = new WeakSet<EditorView>();

/** The CodeMirror view behind a JupyterLab editor, when it is one. */
function viewOf(editor: CodeEditor.IEditor | null | undefined): {
  view: EditorView;
  inject: (ext: Extension) => void;
} | null {
  const cm = editor as unknown as {
    editor?: unknown;
    injectExtension?: (ext: Extension) => void;
  } | null;
  const view = cm?.editor as EditorView | undefined;
  if (
    !cm ||
    !view ||
    typeof view.dispatch !== 'function' ||
    !cm.injectExtension
  ) {
    return null;
  }
  return { view, inject: ext => cm.injectExtension!(ext) };
}

/** Replace the editor's underlines with `ranges` (an empty list clears them). */
export function showMarks(
  editor: CodeEditor.IEditor | null | undefined,
  ranges: IMarkRange[]
): void {
  const target = viewOf(editor);
  if (target === null) {
    return;
  }
  if (!injected.has(target.view)) {
    if (!ranges.length) {
      return; // nothing to show, and no need to touch an editor that never had marks
    }
    target.inject(extension);
    injected.add(target.view);
  }
  target.view.dispatch({ effects: setMarks.of(ranges) });
}

/** The ranges an editor shows now, after CodeMirror mapped them through edits. */
export function currentMarks(
  editor: CodeEditor.IEditor | null | undefined
): { start: number; end: number }[] {
  const target = viewOf(editor);
  const field = target?.view.state.field(marksField, false);
  if (!field) {
    return [];
  }
  const out: { start: number; end: number }[] = [];
  field.between(0, target!.view.state.doc.length, (from, to) => {
    out.push({ start: from, end: to });
  });
  return out;
}
