import cliProgress from 'cli-progress';
import type { Progress } from '../pipeline/progress.js';

/**
 * A progress bar per long loop on stderr, with `unit`/s (steps/s by default) and ETA; plain lines when stderr is not a terminal. Bars of
 * concurrent tasks (--workers) share one cli-progress MultiBar, stopped (its lines left on screen) when none is running.
 */
export function terminalProgress(unit = 'steps'): Progress {
  const tty = Boolean(process.stderr.isTTY);
  let multi: cliProgress.MultiBar | null = null, running = 0;
  return {
    log: (message) => (multi ? multi.log(`${message}\n`) : process.stderr.write(`${message}\n`)),
    task(label, total) {
      const start = performance.now();
      const rate = (done: number) => (done / Math.max(1e-3, (performance.now() - start) / 1000)).toFixed(1);
      if (!tty) {
        let lastPrint = 0;
        return {
          tick(done, info = {}) {
            if (performance.now() - lastPrint < 10_000 && done < total) return;
            lastPrint = performance.now();
            const extra = Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ');
            process.stderr.write(`${label}: ${done}/${total} (${rate(done)} ${unit}/s) ${extra}\n`);
          },
          done: () => process.stderr.write(`${label}: done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`),
        };
      }
      multi ??= new cliProgress.MultiBar({ barsize: 24, hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic);
      const owner = multi;
      running++;
      const bar = owner.create(total, 0, { rate: '0', info: '' }, {
        format: `${label.padEnd(34)} [{bar}] {percentage}% {value}/{total} | {rate} ${unit}/s | ETA {eta_formatted} | {info}`,
      });
      return {
        tick(done, info = {}) {
          bar.update(done, { rate: rate(done), info: Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ') });
        },
        done: () => {
          bar.stop();
          if (--running === 0 && multi === owner) {
            owner.stop();
            multi = null;
          }
        },
      };
    },
  };
}

/** One line of `--json` progress on stderr. */
export type ProgressEvent =
  | { event: 'start' | 'progress' | 'finish'; task: string; done: number; total: number; elapsed_s: number; info?: Record<string, number | string> }
  | { event: 'log'; message: string; elapsed_s: number };

/**
 * `--json` progress: one JSON object per line (task start, ticks at most one per `minIntervalMs` per task, finish,
 * log lines), so that a pipeline can follow a long run while stdout keeps only the final summary.
 * @example {"event":"progress","task":"XRM","done":1200,"total":5000,"elapsed_s":41.2,"info":{"flip":0.07}}
 */
export function jsonProgress(write: (line: string) => void = (line) => process.stderr.write(line), minIntervalMs = 1000, now = () => performance.now()): Progress {
  const t0 = now();
  const seconds = (t: number) => Math.round((t - t0) / 10) / 100;
  const emit = (e: ProgressEvent) => write(`${JSON.stringify(e)}\n`);
  return {
    log: (message) => emit({ event: 'log', message, elapsed_s: seconds(now()) }),
    task(task, total) {
      let last = now(), done = 0;
      emit({ event: 'start', task, done, total, elapsed_s: seconds(last) });
      return {
        tick(n, info) {
          done = n;
          const t = now();
          if (t - last < minIntervalMs && n < total) return;
          last = t;
          emit({ event: 'progress', task, done, total, elapsed_s: seconds(t), ...(info && Object.keys(info).length ? { info } : {}) });
        },
        done: () => emit({ event: 'finish', task, done, total, elapsed_s: seconds(now()) }),
      };
    },
  };
}
