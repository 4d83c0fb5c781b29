/**
 * Collects every request sent through aws-sdk-client-mock'd clients during a test file, so that a
 * last test can check them all against botocore in one batch (and dump them when asked).
 */
import type { TestContext } from 'node:test';
import {
  type ContractRecord,
  type ContractService,
  describeFailures,
  dumpContractRecords,
  validateContractRecords,
} from './botocore';

interface RecordedCall {
  args: unknown[];
}

/** The part of an aws-sdk-client-mock stub the recorder uses. */
export interface CallSource {
  calls(): RecordedCall[];
}

/** "PutScalingPolicyCommand" -> "PutScalingPolicy". */
export function operationOf(command: unknown): string {
  const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? 'Unknown';
  return name.replace(/Command$/, '');
}

export class ContractRecorder {
  readonly records: ContractRecord[] = [];
  private readonly sources: { service: ContractService; source: CallSource; seen: number }[] = [];

  constructor(private readonly label: string) {}

  /** Watches a mock; call `harvest()` before each `reset()` of the mock. */
  watch(service: ContractService, source: CallSource): this {
    this.sources.push({ service, source, seen: 0 });
    return this;
  }

  /** Copies the calls made since the last harvest into `records`. */
  harvest(): ContractRecord[] {
    const added: ContractRecord[] = [];
    for (const entry of this.sources) {
      const calls = entry.source.calls();
      for (const call of calls.slice(entry.seen)) {
        const command = call.args[0] as { input?: unknown };
        added.push({ service: entry.service, operation: operationOf(command), input: command.input ?? {} });
      }
      entry.seen = calls.length;
    }
    this.records.push(...added);
    return added;
  }

  /** Mock resets clear their call history: start counting from zero again. */
  afterReset(): void {
    for (const entry of this.sources) entry.seen = 0;
  }

  add(records: readonly ContractRecord[]): void {
    this.records.push(...records);
  }

  /**
   * Validates every recorded request against botocore and dumps them when SCALEPLAN_CONTRACT_DUMP
   * is set. Skips (outside CI) when botocore is unavailable.
   */
  assertAllValid(t: TestContext, minimumRecords = 1): void {
    this.harvest();
    dumpContractRecords(this.records, this.label);
    if (this.records.length < minimumRecords)
      throw new Error(`expected at least ${minimumRecords} recorded requests, got ${this.records.length}`);
    const outcome = validateContractRecords(this.records);
    if (outcome.status === 'skipped') {
      t.skip(outcome.reason);
      return;
    }
    const failures = describeFailures(outcome.results);
    if (failures) throw new Error(`requests that botocore ${outcome.botocoreVersion} rejects:\n${failures}`);
  }
}
