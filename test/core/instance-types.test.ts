import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  approximatePricePerHourUsd,
  instanceTypeInfo,
  knownInstanceTypes,
  vcpusForInstanceType,
} from '../../shared/core/instance-types';

describe('instance types', () => {
  const cases: { type: string; vcpus: number | undefined; price?: number }[] = [
    { type: 'ml.c5.large', vcpus: 2, price: 0.102 },
    { type: 'ml.c5.xlarge', vcpus: 4, price: 0.204 },
    { type: 'ml.c5.18xlarge', vcpus: 72 },
    { type: 'ml.m5.large', vcpus: 2 },
    { type: 'ml.g4dn.xlarge', vcpus: 4 },
    { type: 'ml.t2.medium', vcpus: 2 },
    { type: 'ml.c6i.8xlarge', vcpus: 32 },
    { type: 'ml.unknown.large', vcpus: undefined },
    { type: 'c5.large', vcpus: undefined },
  ];
  for (const c of cases) {
    it(`${c.type} has ${c.vcpus ?? 'unknown'} vCPUs`, () => {
      assert.equal(vcpusForInstanceType(c.type), c.vcpus);
      if (c.price !== undefined) assert.equal(approximatePricePerHourUsd(c.type), c.price);
    });
  }

  it('knows GPUs and memory, and has no price for some types', () => {
    assert.deepEqual(instanceTypeInfo('ml.g5.12xlarge'), {
      vcpus: 48,
      memoryGiB: 192,
      gpus: 4,
      approximatePricePerHourUsd: 7.09,
    });
    assert.deepEqual(instanceTypeInfo('ml.inf2.xlarge'), { vcpus: 4, memoryGiB: 16, gpus: 0 });
    assert.equal(instanceTypeInfo('ml.nope.large'), undefined);
  });

  it('the table is consistent: sizes double vCPUs within a family, prices rise with size', () => {
    const sizes: Record<string, number> = {
      large: 2,
      xlarge: 4,
      '2xlarge': 8,
      '4xlarge': 16,
      '8xlarge': 32,
      '9xlarge': 36,
      '12xlarge': 48,
      '18xlarge': 72,
      '24xlarge': 96,
    };
    for (const type of knownInstanceTypes()) {
      const size = type.split('.')[2]!;
      if (size === 'medium') continue;
      assert.equal(vcpusForInstanceType(type), sizes[size], type);
    }
    const c5 = ['ml.c5.large', 'ml.c5.xlarge', 'ml.c5.2xlarge', 'ml.c5.4xlarge'].map(
      (t) => approximatePricePerHourUsd(t)!,
    );
    for (let i = 1; i < c5.length; i++) assert.ok(c5[i]! > c5[i - 1]!);
  });
});
