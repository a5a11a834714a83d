/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(values: number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

export function formatMeanStd(values: number[], scale = 100, digits = 1): string {
  const { mean, std } = meanStd(values);
  return `${(mean * scale).toFixed(digits)} ± ${(std * scale).toFixed(digits)}`;
}
