import cliProgress from 'cli-progress';
import type { Progress } from '../pipeline/progress.js';

/** A progress bar per long loop on stderr, with steps/s and ETA; plain lines when stderr is not a terminal. */
export function terminalProgress(): Progress {
  const tty = Boolean(process.stderr.isTTY);
  return {
    log: (message) => process.stderr.write(`${message}\n`),
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
      const bar = new cliProgress.SingleBar({
        format: `${label.padEnd(34)} [{bar}] {percentage}% {value}/{total} | {rate} steps/s | ETA {eta_formatted} | {info}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
      }, cliProgress.Presets.shades_classic);
      bar.start(total, 0, { rate: '0', info: '' });
      return {
        tick(done, info = {}) {
          bar.update(done, { rate: rate(done), info: Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ') });
        },
        done: () => bar.stop(),
      };
    },
  };
}
