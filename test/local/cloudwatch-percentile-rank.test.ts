/**
 * The local CloudWatch's percentile rank, PR(n:m): the percentage of a period's samples above n
 * and at or below m, either bound optional (PR(:300) is the share at or below 300). bench:fleet
 * reads the share of requests within the latency SLO with it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statistic } from '../../shared/adapters/local/fleet/cloudwatch';
import { InvalidInputError } from '../../shared/core/errors';

const SAMPLES = [100, 200, 300, 400];

describe('statistic PR(n:m)', () => {
  for (const c of [
    { stat: 'PR(:300)', expected: 75 },
    { stat: 'PR(:299.5)', expected: 50 },
    { stat: 'PR(100:300)', expected: 50 },
    { stat: 'PR(400:)', expected: 0 },
    { stat: 'PR(99:)', expected: 100 },
    { stat: 'PR(:)', expected: 100 },
    { stat: 'PR(:99)', expected: 0 },
  ])
    it(`${c.stat} of ${SAMPLES.join(', ')} is ${c.expected}`, () => {
      assert.equal(statistic(SAMPLES, c.stat), c.expected);
    });

  it('an empty period has no value', () => {
    assert.equal(statistic([], 'PR(:300)'), undefined);
  });

  it('refuses a malformed rank', () => {
    assert.throws(() => statistic(SAMPLES, 'PR(300)'), InvalidInputError);
  });
});
