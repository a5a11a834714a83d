/**
 * The demo page's drawing-to-input preparation (worker/src/demo/client/input.ts, the module the page's bundle runs):
 * pad pixels → grey digit (fit, centring, every second pixel) → the model's channel-major input vector.
 */
import { describe, expect, it } from 'vitest';
import {
  FIT_BOX, bytesToVector, dominantChannel, greyFromInk, greyOf, imageGrid, inkBounds, vectorOf, type ImageGrid,
} from '../../worker/src/demo/client/input.js';

/** The Colored MNIST input of the fixture bundles and the real ones: 2 × 14 × 14 in [0, 1]. */
const GRID: ImageGrid = { channels: 2, height: 14, width: 14, lo: 0, hi: 1 };
const PAD = 280;

/** A black RGBA pad with white filled rectangles [x, y, w, h] (what strokes leave on the ink canvas). */
function pad(rects: [number, number, number, number][], size = PAD): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  for (const [x0, y0, w, h] of rects) {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) rgba.fill(255, (y * size + x) * 4, (y * size + x) * 4 + 3);
  }
  return rgba;
}

const lit = (grey: Float32Array) => Array.from(grey).filter((v) => v > 0.05).length;
/** Rows and columns of the 14×14 digit that hold any ink. */
function extent(grey: Float32Array, W = 14) {
  const rows = new Set<number>(), cols = new Set<number>();
  grey.forEach((v, i) => { if (v > 0.05) { rows.add(Math.floor(i / W)); cols.add(i % W); } });
  return { rows: [Math.min(...rows), Math.max(...rows)], cols: [Math.min(...cols), Math.max(...cols)] };
}
function centreOfMass(grey: Float32Array, W = 14) {
  let m = 0, x = 0, y = 0;
  grey.forEach((v, i) => { m += v; x += v * (i % W); y += v * Math.floor(i / W); });
  return [x / m, y / m];
}

describe('greyFromInk: pad pixels → the model-resolution grey digit', () => {
  it('is null for a blank pad and for ink below the threshold', () => {
    expect(greyFromInk(GRID, pad([]), PAD, PAD)).toBeNull();
    const faint = pad([]);
    faint.fill(10, 0, 3);
    expect(greyFromInk(GRID, faint, PAD, PAD)).toBeNull();
  });

  it('finds the bounds of the ink', () => {
    expect(inkBounds(pad([[30, 40, 10, 100], [100, 200, 5, 5]]), PAD, PAD)).toEqual({ x0: 30, y0: 40, x1: 104, y1: 204 });
  });

  it('fits the digit into a 20/28 box and centres it, wherever and however large it was drawn', () => {
    // A "1": a tall bar, drawn small in a corner and large in the middle.
    const small = greyFromInk(GRID, pad([[10, 10, 6, 30]]), PAD, PAD)!;
    const large = greyFromInk(GRID, pad([[120, 40, 40, 200]]), PAD, PAD)!;
    expect(small).toHaveLength(14 * 14);
    for (const grey of [small, large]) {
      // The long side spans FIT_BOX of the 28-pixel drawing grid: 20 pixels, i.e. 10 of the 14 kept rows.
      const { rows, cols } = extent(grey);
      expect(rows[1] - rows[0] + 1).toBe(Math.round(14 * FIT_BOX));
      expect(cols[1] - cols[0] + 1).toBeLessThanOrEqual(3);
      const [cx, cy] = centreOfMass(grey);
      expect(Math.abs(cx - 6.5)).toBeLessThanOrEqual(1);
      expect(Math.abs(cy - 6.5)).toBeLessThanOrEqual(1);
      expect(Math.max(...grey)).toBeCloseTo(1, 5);
      expect(Math.min(...grey)).toBe(0);
    }
    // Same shape (aspect 1:5) at another size and place: the same digit.
    const again = greyFromInk(GRID, pad([[200, 60, 12, 60]]), PAD, PAD)!;
    for (let i = 0; i < small.length; i++) expect(again[i]).toBeCloseTo(small[i], 5);
  });

  it('area-averages partly covered cells instead of dropping or saturating them', () => {
    const grey = greyFromInk(GRID, pad([[100, 100, 81, 81]]), PAD, PAD)!;
    expect(Array.from(grey).some((v) => v > 0.05 && v < 0.95)).toBe(false); // a filled square fills whole cells
    const cross = greyFromInk(GRID, pad([[100, 130, 80, 7], [137, 100, 7, 80]]), PAD, PAD)!;
    expect(Array.from(cross).some((v) => v > 0.05 && v < 0.95)).toBe(true); // thin strokes cover cells in part
    expect(lit(cross)).toBeGreaterThan(10);
  });
});

describe('the model input vector: colour channels and layout', () => {
  const grey = Float32Array.from({ length: 196 }, (_, i) => (i % 7) / 6);

  it('puts the grey digit into the chosen channel, channel-major (c·H·W + r·W + col), the others dark', () => {
    for (const colour of [0, 1]) {
      const v = vectorOf(GRID, grey, colour);
      expect(v).toHaveLength(2 * 196);
      for (let r = 0; r < 14; r++) for (let c = 0; c < 14; c++) {
        expect(v[colour * 196 + r * 14 + c]).toBeCloseTo(grey[r * 14 + c], 6);
        expect(v[(1 - colour) * 196 + r * 14 + c]).toBe(0);
      }
      expect(dominantChannel(GRID, v)).toBe(colour);
      expect(Array.from(greyOf(GRID, v))).toEqual(Array.from(grey));
    }
  });

  it("maps grey levels into the input's range", () => {
    const wide: ImageGrid = { ...GRID, lo: -1, hi: 1 };
    const v = vectorOf(wide, grey, 1);
    expect(v.slice(0, 196).every((x) => x === -1)).toBe(true);
    expect(v[196 + 6]).toBeCloseTo(1, 6);
    expect(v[196 + 3]).toBeCloseTo(0, 6);
    expect(Array.from(greyOf(wide, v)).map((x) => x.toFixed(5))).toEqual(Array.from(grey).map((x) => x.toFixed(5)));
  });

  it('reads exemplar pixels (uint8, value·255) back into the input range', () => {
    expect(bytesToVector(GRID, Uint8Array.from([0, 51, 255]))).toEqual([0, 0.2, 1]);
    expect(bytesToVector({ ...GRID, lo: -1, hi: 1 }, Uint8Array.from([0, 255]))).toEqual([-1, 1]);
  });

  it('takes the grid from an image spec and has none for feature inputs', () => {
    expect(imageGrid({ kind: 'image', dim: 392, channels: 2, height: 14, width: 14, channelNames: ['red', 'green'], range: [0, 1], preprocessing: { type: 'none' } }))
      .toEqual(GRID);
    expect(imageGrid({ kind: 'features', dim: 3, featureNames: ['a', 'b', 'c'], preprocessing: { type: 'none' } } as never)).toBeNull();
  });

  it('turns a drawn digit into the vector the page sends: ink only in the chosen colour, centred, in range', () => {
    const drawn = greyFromInk(GRID, pad([[60, 50, 120, 20], [150, 50, 20, 180]]), PAD, PAD)!; // a "7"
    const v = vectorOf(GRID, drawn, 1);
    expect(v.slice(0, 196).every((x) => x === 0)).toBe(true);
    expect(v.slice(196).reduce((s, x) => s + x, 0)).toBeGreaterThan(5);
    expect(v.every((x) => x >= 0 && x <= 1)).toBe(true);
  });
});
