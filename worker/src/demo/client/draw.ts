/** The drawing pad and the pixel renderings (canvas): what the user draws, and what the model sees. */
import { greyFromInk, type ImageGrid } from './input.js';

const PALETTE = ['#e53935', '#43a047', '#1e88e5', '#fdd835'];

/** A CSS colour per input channel: its name where CSS knows it ("red", "green"), else a fixed palette. */
export const channelColours = (names: readonly string[]) => names.map((n, k) => (CSS.supports('color', n) ? n : PALETTE[k % PALETTE.length]));

/** [r, g, b] of a CSS colour, as the canvas resolves it. */
function rgbOf(css: string): Uint8ClampedArray {
  const probe = document.createElement('canvas').getContext('2d')!;
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  return probe.getImageData(0, 0, 1, 1).data;
}

/** Paints a channel-major vector (values in the grid's range) onto `canvas`, one canvas pixel per input pixel. */
export function paint(canvas: HTMLCanvasElement, grid: ImageGrid, colours: readonly string[], vector: ArrayLike<number>): HTMLCanvasElement {
  const { channels: C, height: H, width: W, lo, hi } = grid;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d')!, img = ctx.createImageData(W, H), rgb = colours.map(rgbOf);
  for (let i = 0; i < H * W; i++) {
    let r = 0, g = 0, b = 0;
    for (let c = 0; c < C; c++) {
      const a = Math.min(1, Math.max(0, (vector[c * H * W + i] - lo) / (hi - lo)));
      r += a * rgb[c][0]; g += a * rgb[c][1]; b += a * rgb[c][2];
    }
    img.data.set([Math.min(255, r), Math.min(255, g), Math.min(255, b), 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

export interface Pad {
  /** Wipes the ink. */
  clear(): void;
  /** Redraws the pad with the ink tinted in `css`. */
  render(css: string): void;
  /** Shows a model-resolution grey digit as ink (each pixel a 2×2 block of the drawing grid). */
  showGrey(grey: ArrayLike<number>): void;
}

/**
 * The drawing pad: strokes go onto an offscreen white-on-black ink canvas on a grid twice the model's resolution;
 * the visible pad shows it tinted in the chosen colour. `onStart` fires when a stroke begins, `onDrawn` with the
 * model-resolution grey digit (null when blank) when it ends.
 */
export function createPad(
  pad: HTMLCanvasElement, grid: ImageGrid, colour: () => string,
  on: { start(): void; drawn(grey: Float32Array | null): void },
): Pad {
  const padCtx = pad.getContext('2d')!;
  const GH = 2 * grid.height, GW = 2 * grid.width, CELL = pad.width / GW;
  const ink = document.createElement('canvas');
  ink.width = pad.width;
  ink.height = pad.height;
  const inkCtx = ink.getContext('2d', { willReadFrequently: true })!;

  const clear = () => {
    inkCtx.fillStyle = '#000';
    inkCtx.fillRect(0, 0, ink.width, ink.height);
  };
  const render = (css: string) => {
    padCtx.globalCompositeOperation = 'source-over';
    padCtx.drawImage(ink, 0, 0);
    padCtx.globalCompositeOperation = 'multiply';
    padCtx.fillStyle = css;
    padCtx.fillRect(0, 0, pad.width, pad.height);
    padCtx.globalCompositeOperation = 'source-over';
    padCtx.strokeStyle = 'rgba(255,255,255,0.07)';
    padCtx.lineWidth = 1;
    padCtx.beginPath();
    for (let i = 1; i < GW; i++) { padCtx.moveTo(i * CELL + 0.5, 0); padCtx.lineTo(i * CELL + 0.5, pad.height); }
    for (let i = 1; i < GH; i++) { padCtx.moveTo(0, i * CELL + 0.5); padCtx.lineTo(pad.width, i * CELL + 0.5); }
    padCtx.stroke();
  };
  const showGrey = (grey: ArrayLike<number>) => {
    clear();
    for (let r = 0; r < grid.height; r++) {
      for (let c = 0; c < grid.width; c++) {
        const v = Math.round(grey[r * grid.width + c] * 255);
        if (v) {
          inkCtx.fillStyle = `rgb(${v},${v},${v})`;
          inkCtx.fillRect(c * 2 * CELL, r * 2 * CELL, 2 * CELL, 2 * CELL);
        }
      }
    }
  };
  const stroke = (a: readonly [number, number], b: readonly [number, number]) => {
    inkCtx.strokeStyle = '#fff';
    inkCtx.lineCap = 'round';
    inkCtx.lineJoin = 'round';
    inkCtx.lineWidth = CELL * 2.4;
    inkCtx.beginPath();
    inkCtx.moveTo(a[0], a[1]);
    inkCtx.lineTo(b[0], b[1]);
    inkCtx.stroke();
    render(colour());
  };

  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    on.start();
    last = at(e);
    stroke(last, last);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    stroke(last, p);
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = null;
    on.drawn(greyFromInk(grid, inkCtx.getImageData(0, 0, ink.width, ink.height).data, ink.width, ink.height));
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  clear();
  return { clear, render, showGrey };
}
