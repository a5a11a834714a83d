import cliProgress from 'cli-progress';
import type { Progress } from '../pipeline/progress.js';

/**
 * A progress bar per long loop on stderr, with steps/s and ETA; plain lines when stderr is not a terminal. Bars of
 * concurrent tasks (--workers) share one cli-progress MultiBar, stopped (its lines left on screen) when none is running.
 */
export function terminalProgress(): Progress {
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
            process.stderr.write(`${label}: ${done}/${total} (${rate(done)} steps/s) ${extra}\n`);
          },
          done: () => process.stderr.write(`${label}: done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`),
        };
      }
      multi ??= new cliProgress.MultiBar({ barsize: 24, hideCursor: true, clearOnComplete: false, stream: process.stderr }, cliProgress.Presets.shades_classic);
      const owner = multi;
      running++;
      const bar = owner.create(total, 0, { rate: '0', info: '' }, {
        format: `${label.padEnd(34)} [{bar}] {percentage}% {value}/{total} | {rate} steps/s | ETA {eta_formatted} | {info}`,
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
