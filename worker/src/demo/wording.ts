/**
 * The words the demo uses for one model's data, so that every sentence about a bundle comes from its manifest: an
 * image bundle (Colored MNIST) speaks of digits and their colour, a features bundle of rows, its class names and the
 * shortcut it declares, never of digits or colours.
 */
import type { ServedDemoModel } from './config.js';

export interface Wording {
  /** One input: "digit" / "row". */
  example: string;
  examples: string;
  /** What the shortcut-finding models read, as the subject of a sentence: "the colour" / "the shortcut". */
  shortcut: string;
  /** What a model should read instead: "the shape" / "the rest of the row". */
  pattern: string;
  /** Name of the counterfactual gauge: "Colour dependence" / "Region dependence". */
  dependence: string;
  /** The intervention as a condition: "in another colour" / "under “swap region (urban ↔ rural)”"; null without one. */
  intervened: string | null;
}

export const quote = (s: string) => `\u201c${s}\u201d`;
export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** "a", "a or b", "a, b or c". */
export const oneOf = (names: readonly string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`);

export function wordingOf(model: ServedDemoModel): Wording {
  if (model.input.kind === 'image') {
    return { example: 'digit', examples: 'digits', shortcut: 'the colour', pattern: 'the shape', dependence: 'Colour dependence', intervened: 'in another colour' };
  }
  const { name, intervention } = model.shortcut;
  return {
    example: 'row',
    examples: 'rows',
    shortcut: 'the shortcut',
    pattern: 'the rest of the row',
    dependence: name ? `${capitalize(name)} dependence` : 'Shortcut dependence',
    intervened: intervention ? `under ${quote(intervention)}` : null,
  };
}
