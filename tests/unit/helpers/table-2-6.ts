/** Reference numbers shared by the RandomState and registry tests. */
/** docs/method.md §2.6, MLP column and MAT τ, for combinations c = 0..9 (3 significant digits). */
export const TABLE_2_6: { lr: number; batch: number; wd: number; tau: number }[] = [
  { lr: 1.25e-4, batch: 35, wd: 6.43e-5, tau: 0.001 },
  { lr: 6.82e-5, batch: 35, wd: 1.0e-6, tau: 0.01 },
  { lr: 7.45e-5, batch: 8, wd: 4.46e-5, tau: 0.001 },
  { lr: 1.26e-4, batch: 34, wd: 7.46e-6, tau: 0.1 },
  { lr: 8.59e-4, batch: 24, wd: 8.28e-4, tau: 0.1 },
  { lr: 2.78e-5, batch: 48, wd: 4.17e-6, tau: 0.1 },
  { lr: 6.11e-4, batch: 15, wd: 2.91e-4, tau: 0.1 },
  { lr: 1.42e-5, batch: 40, wd: 2.07e-5, tau: 0.001 },
  { lr: 5.58e-4, batch: 59, wd: 4.05e-4, tau: 0.001 },
  { lr: 1.05e-5, batch: 22, wd: 3.07e-5, tau: 0.1 },
];

export const sig3 = (x: number) => Number(x.toPrecision(3));
