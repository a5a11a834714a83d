/**
 * From what the user drew (or picked) to the model's input vector, without the DOM: the ink of the drawing pad is
 * prepared as MNIST prepares its digits (fitted into a 20/28 box, centred on its centre of mass), on a grid twice the
 * model's resolution of which every second row and column is kept (like Colored MNIST's 14×14 from 28×28), then put
 * into one colour channel of the channel-major layout (index = c·H·W + r·W + col).
 */
import type { InputSpec } from '#shared';

/** An image model's input grid: channels × height × width, values in [lo, hi]. */
export interface ImageGrid {
  channels: number;
  height: number;
  width: number;
  lo: number;
  hi: number;
}

/** Share of the drawing grid's side the digit is fitted into, as MNIST fits its digits into 20 of 28 pixels. */
export const FIT_BOX = 20 / 28;
/** Red level (0–255) above which a pad pixel counts as ink when finding the drawing's bounds. */
export const INK_THRESHOLD = 20;

export const imageGrid = (spec: InputSpec): ImageGrid | null => (spec.kind === 'image'
  ? { channels: spec.channels, height: spec.height, width: spec.width, lo: spec.range[0], hi: spec.range[1] }
  : null);

/** Grey level per pixel (the brightest channel), in [0, 1]. */
export function greyOf(grid: ImageGrid, vector: ArrayLike<number>): Float32Array {
  const n = grid.height * grid.width, grey = new Float32Array(n);
  for (let c = 0; c < grid.channels; c++) {
    for (let i = 0; i < n; i++) grey[i] = Math.max(grey[i], (vector[c * n + i] - grid.lo) / (grid.hi - grid.lo));
  }
  return grey;
}

/** The model input: the grey digit in channel `colour`, every other channel dark. */
export function vectorOf(grid: ImageGrid, grey: ArrayLike<number>, colour: number): number[] {
  const n = grid.height * grid.width, v = new Array<number>(grid.channels * n).fill(grid.lo);
  for (let i = 0; i < n; i++) v[colour * n + i] = grid.lo + grey[i] * (grid.hi - grid.lo);
  return v;
}

/** The colour channel holding most of a vector's ink. */
export function dominantChannel(grid: ImageGrid, vector: ArrayLike<number>): number {
  const n = grid.height * grid.width;
  let best = 0, bestInk = -Infinity;
  for (let c = 0; c < grid.channels; c++) {
    let ink = 0;
    for (let i = 0; i < n; i++) ink += vector[c * n + i] - grid.lo;
    if (ink > bestInk) { best = c; bestInk = ink; }
  }
  return best;
}

/** Exemplar pixels as the bundle stores them (uint8, value·255, channel-major) → a vector in the input's range. */
export const bytesToVector = (grid: ImageGrid, bytes: Uint8Array): number[] =>
  Array.from(bytes, (b) => grid.lo + (b / 255) * (grid.hi - grid.lo));

export interface Bounds { x0: number; y0: number; x1: number; y1: number }

/** The smallest box holding every ink pixel of an RGBA image (red channel over INK_THRESHOLD); null when blank. */
export function inkBounds(rgba: ArrayLike<number>, width: number, height: number): Bounds | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[(y * width + x) * 4] > INK_THRESHOLD) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** For each destination cell along one axis, the source pixels it covers and by how much (box filter). */
function coverage(cells: number, offset: number, scale: number, start: number, length: number): [number, number][][] {
  return Array.from({ length: cells }, (_, cell) => {
    const a = (cell - offset) / scale, b = (cell + 1 - offset) / scale, out: [number, number][] = [];
    for (let s = Math.max(0, Math.floor(a)); s < Math.min(length, Math.ceil(b)); s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 0) out.push([start + s, w * scale]);
    }
    return out;
  });
}

/**
 * The pad's ink (RGBA, white on black) as the model's grey digit in [0, 1], or null when nothing is drawn: the ink's
 * bounding box is area-averaged into a FIT_BOX square of a (2H × 2W) grid, shifted so that its centre of mass sits in
 * the middle, and every second row and column is kept.
 */
export function greyFromInk(grid: ImageGrid, rgba: ArrayLike<number>, width: number, height: number): Float32Array | null {
  const bounds = inkBounds(rgba, width, height);
  if (!bounds) return null;
  const { x0, y0, x1, y1 } = bounds, H = grid.height, W = grid.width, GH = 2 * H, GW = 2 * W;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, scale = (Math.min(GW, GH) * FIT_BOX) / Math.max(bw, bh);
  const cols = coverage(GW, (GW - bw * scale) / 2, scale, x0, bw), rows = coverage(GH, (GH - bh * scale) / 2, scale, y0, bh);
  const fit = new Float32Array(GH * GW);
  for (let y = 0; y < GH; y++) {
    for (let x = 0; x < GW; x++) {
      let v = 0;
      for (const [sy, wy] of rows[y]) for (const [sx, wx] of cols[x]) v += wy * wx * rgba[(sy * width + sx) * 4];
      fit[y * GW + x] = Math.min(1, v / 255);
    }
  }
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < GH; y++) for (let x = 0; x < GW; x++) { const v = fit[y * GW + x]; mass += v; mx += v * x; my += v * y; }
  const dx = Math.round(GW / 2 - 0.5 - mx / mass), dy = Math.round(GH / 2 - 0.5 - my / mass);
  const grey = new Float32Array(H * W);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const y = 2 * r - dy, x = 2 * c - dx;
      grey[r * W + c] = y >= 0 && y < GH && x >= 0 && x < GW ? fit[y * GW + x] : 0;
    }
  }
  return grey;
}
