/** One measured figure, with the baseline measured in the same run where there is one. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: number;
  ratio?: number;
  details?: Record<string, unknown>;
}
