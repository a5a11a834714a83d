import type { Split } from '../data/types.js';

/**
 * True bias-conflicting ("minority") examples of a split, from the data's own annotations:
 * Colored MNIST colour ≠ label, the synthetic task's `majority = 0`, a planted attribute ≠ label.
 * Null when the data says nothing about its shortcut.
 */
export function minorityMask(split: Split): Uint8Array | null {
  const { meta, y } = split;
  if (meta.colour) return Uint8Array.from(y, (label, i) => (meta.colour[i] !== label ? 1 : 0));
  if (meta.majority) return Uint8Array.from(meta.majority, (m) => (m ? 0 : 1));
  if (meta.attribute) return Uint8Array.from(y, (label, i) => (meta.attribute[i] !== label ? 1 : 0));
  return null;
}

/** Colored MNIST: 1 where the label is the digit's own (not one of the 25% flipped labels); null for other data. */
export function cleanLabelMask(split: Split): Uint8Array | null {
  const { meta, y } = split;
  return meta.clean ? Uint8Array.from(y, (label, i) => (meta.clean[i] === label ? 1 : 0)) : null;
}

/**
 * Colored MNIST: what the input alone determines about its memorization, 2·(the digit's own label) + colour, for K = 2;
 * null for other data. The mean measured score per cell is the best any label-free estimate can do with the digit and
 * the colour read perfectly (the label itself, 25% of them flipped, is what it cannot know).
 */
export function labelFreeCells(split: Split): Int32Array | null {
  const { meta } = split;
  return meta.clean && meta.colour ? Int32Array.from(meta.clean, (c, i) => 2 * c + meta.colour[i]) : null;
}
