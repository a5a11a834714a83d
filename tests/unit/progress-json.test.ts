import { describe, expect, it } from 'vitest';
import { jsonProgress, type ProgressEvent } from '../../trainer/src/cli/progress-bar.js';

describe('--json progress lines', () => {
  it('one JSON object per line: task start, ticks at a bounded rate, the last tick, finish, log lines', () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = jsonProgress((line) => lines.push(line), 1000, () => clock);
    progress.log('data csv:x.csv: 10 train');
    const task = progress.task('xrm c0 seed 0', 100);
    for (let step = 1; step <= 100; step++) {
      clock += 50; // 20 steps per second: a tick line every 20 steps at most
      task.tick(step, { loss: '0.5' });
    }
    task.done();
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const events = lines.map((l) => JSON.parse(l) as ProgressEvent);
    expect(events[0]).toEqual({ event: 'log', message: 'data csv:x.csv: 10 train', elapsed_s: 0 });
    expect(events[1]).toEqual({ event: 'start', task: 'xrm c0 seed 0', done: 0, total: 100, elapsed_s: 0 });
    const ticks = events.filter((e) => e.event === 'progress');
    expect(ticks.map((e) => e.event === 'progress' && e.done)).toEqual([20, 40, 60, 80, 100]);
    expect(ticks[0]).toEqual({ event: 'progress', task: 'xrm c0 seed 0', done: 20, total: 100, elapsed_s: 1, info: { loss: '0.5' } });
    expect(events.at(-1)).toEqual({ event: 'finish', task: 'xrm c0 seed 0', done: 100, total: 100, elapsed_s: 5 });
  });
});
