/** Reports long loops (a progress bar in the CLI, nothing in tests or --json mode). */
export interface Progress {
  task(label: string, total: number): { tick(done: number, info?: Record<string, number | string>): void; done(): void };
  log(message: string): void;
}

export const silentProgress: Progress = {
  task: () => ({ tick() {}, done() {} }),
  log() {},
};
