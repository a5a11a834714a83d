/**
 * CPU time of the workerd processes this process started (Miniflare's children), from /proc: on a shared machine a
 * request's wall time includes waiting for a core, its CPU time does not. Linux only; null elsewhere.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of every workerd child of this process, ms; null where /proc cannot be read. */
export function workerdCpuMs(): number | null {
  try {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (stat.slice(stat.indexOf('(') + 1, close) === 'workerd' && Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks * TICK_MS;
  } catch {
    return null;
  }
}
