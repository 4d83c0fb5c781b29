import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cpuUtilizationPercent,
  defaultGeneratorCpus,
  invocationsUrlOf,
  memoryUtilizationPercent,
  parseStatTicks,
  sampleProcesses,
} from '../../shared/adapters/local/loadgen';
import { InvalidInputError } from '../../shared/core/errors';

describe('CPU and memory from /proc', () => {
  it('parses utime + stime after a command name with spaces and parentheses', () => {
    assert.equal(parseStatTicks('42 (node (x) y) S 1 42 42 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 7 0'), 300);
  });
  const cpuCases = [
    {
      name: '4.5 CPU s in 5 s = 90% of one core',
      before: [{ pid: 1, cpuSeconds: 10 }],
      after: [{ pid: 1, cpuSeconds: 14.5 }],
      wall: 5,
      percent: 90,
    },
    {
      name: 'summed over processes: 2 x 4 CPU s in 4 s = 200%',
      before: [
        { pid: 1, cpuSeconds: 0 },
        { pid: 2, cpuSeconds: 1 },
      ],
      after: [
        { pid: 1, cpuSeconds: 4 },
        { pid: 2, cpuSeconds: 5 },
      ],
      wall: 4,
      percent: 200,
    },
    {
      name: 'a process gone counts 0',
      before: [{ pid: 1, cpuSeconds: 3 }],
      after: [{ pid: 1 }],
      wall: 5,
      percent: 0,
    },
    {
      name: 'zero wall time gives 0',
      before: [{ pid: 1, cpuSeconds: 0 }],
      after: [{ pid: 1, cpuSeconds: 1 }],
      wall: 0,
      percent: 0,
    },
  ];
  for (const c of cpuCases) {
    it(c.name, () => assert.equal(cpuUtilizationPercent(c.before, c.after, c.wall), c.percent));
  }
  it('memory: 1 GiB resident of 16 GiB is 6.25%', () => {
    assert.equal(memoryUtilizationPercent([{ pid: 1, rssBytes: 1024 ** 3 }], 16 * 1024 ** 3), 6.25);
  });
  it('reads this process from /proc: CPU time and RSS are positive; a missing pid gives nothing', () => {
    const [self, missing] = sampleProcesses([process.pid, 2 ** 22 + 1]);
    assert.ok(self!.cpuSeconds! > 0);
    assert.ok(self!.rssBytes! > 10 * 1024 * 1024);
    assert.equal(missing!.cpuSeconds, undefined);
  });
});

describe('benchmark helpers', () => {
  const urls = [
    { name: 'base URL', url: 'http://127.0.0.1:8080', expected: 'http://127.0.0.1:8080/invocations' },
    { name: 'trailing slash', url: 'http://127.0.0.1:8080/', expected: 'http://127.0.0.1:8080/invocations' },
    {
      name: 'already /invocations',
      url: 'http://127.0.0.1:8080/invocations',
      expected: 'http://127.0.0.1:8080/invocations',
    },
    {
      name: 'a path prefix',
      url: 'http://127.0.0.1:8080/model-a',
      expected: 'http://127.0.0.1:8080/model-a/invocations',
    },
  ];
  for (const c of urls) {
    it(`invocationsUrlOf: ${c.name}`, () => assert.equal(invocationsUrlOf(c.url), c.expected));
  }
  it('invocationsUrlOf refuses what is not an http URL', () => {
    assert.throws(() => invocationsUrlOf('localhost:8080x'), InvalidInputError);
    assert.throws(() => invocationsUrlOf('https://127.0.0.1'), /only http/);
  });
  const generatorCpus = [
    { name: 'server on 0 of 2 -> generator on 1', server: [0], cores: 2, expected: [1] },
    { name: 'server on 0 of 4 -> generator on 1-3', server: [0], cores: 4, expected: [1, 2, 3] },
    { name: 'server on the only core -> not pinned', server: [0], cores: 1, expected: undefined },
    { name: 'server not pinned -> generator not pinned', server: undefined, cores: 2, expected: undefined },
  ];
  for (const c of generatorCpus) {
    it(`defaultGeneratorCpus: ${c.name}`, () =>
      assert.deepEqual(defaultGeneratorCpus(c.server, c.cores), c.expected));
  }
});
