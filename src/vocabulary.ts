/**
 * The save gate's words, as the server's `jupyter_secrets/server/vocabulary.py`
 * defines them (a Python test holds the two to the same lists).
 */

/** What a save that holds a secret does, strictest first. */
export const POLICIES = ['block', 'strip', 'warn', 'off'] as const;
export type Policy = (typeof POLICIES)[number];

/** What the save gate did with one save. */
export const ACTIONS = [
  'blocked',
  'stripped',
  'warned',
  'refused',
  'unscanned',
  'clean'
] as const;
export type GateAction = (typeof ACTIONS)[number];

/** Which way of writing a file the gate judged. */
export const ORIGINS = [
  'save',
  'upload',
  'rename',
  'copy',
  'checkpoint'
] as const;
export type Origin = (typeof ORIGINS)[number];

/** Actions under which nothing was written. */
export const REFUSALS: ReadonlySet<GateAction> = new Set<GateAction>([
  'blocked',
  'refused'
]);

/** `value` as a policy, or null when it is none. */
export function asPolicy(value: unknown): Policy | null {
  return (POLICIES as readonly unknown[]).includes(value)
    ? (value as Policy)
    : null;
}

/** `value` as a gate action, or null when it is none. */
export function asAction(value: unknown): GateAction | null {
  return (ACTIONS as readonly unknown[]).includes(value)
    ? (value as GateAction)
    : null;
}
