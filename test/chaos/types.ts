/** One row of the chaos table, as written to test/chaos/results/latest.json. */
export interface ScenarioRow {
  scenario: string;
  runs: number;
  passed: number;
  /** Evidence records the workflow numbered that the ledger does not hold. */
  lostRecords: number;
  /** Target operations done twice plus evidence records stored twice. */
  duplicatedOperations: number;
  notes?: string;
}

export interface ScenarioResult extends ScenarioRow {
  /** Why runs failed; printed, not written to the JSON. */
  failures: string[];
}

/** test/chaos/results/latest.json, read by the BENCHMARKS.md generator. */
export interface ChaosReport {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  finishedAt: string;
  mode: 'full' | 'reduced';
  durationSeconds: number;
  scenarios: ScenarioRow[];
}

export interface ChaosOptions {
  /** Fewer kill points and runs, every scenario still represented (CI). */
  reduced: boolean;
}

export interface Scenario {
  name: string;
  run(opts: ChaosOptions): Promise<ScenarioResult>;
}
