import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createInvocationHandler,
  DEMO_MODEL_PATH,
  DEMO_PAYLOAD_PATH,
  defaultServerCpus,
  type RunningModelServer,
  startModelServer,
  WORKER_PID_HEADER,
} from '../../shared/adapters/local/model-server';
import type { XgboostModel } from '../../shared/adapters/local/model-server/xgboost';
import { ConfigurationError } from '../../shared/core/errors';

const DEMO = join(import.meta.dirname, '..', '..', 'models', 'demo');
const referenceRows = readFileSync(join(DEMO, 'reference-features.csv'), 'utf8').trim().split('\n');
const referencePredictions = readFileSync(join(DEMO, 'reference-predictions.csv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => Number(line.split(',')[0]));
const payload = readFileSync(DEMO_PAYLOAD_PATH, 'utf8');
const MAX_BODY_BYTES = 64 * 1024;

async function call(
  server: RunningModelServer,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string; contentType: string | null; workerPid: number }> {
  // A Buffer body, so that fetch adds no Content-Type of its own (a string body gets text/plain).
  const body = init.body === undefined ? undefined : Buffer.from(init.body);
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    ...(body ? { body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get('content-type'),
    workerPid: Number(response.headers.get(WORKER_PID_HEADER)),
  };
}

/** One invocation on a connection of its own, so node:cluster's round-robin hands it to the next worker. */
function invokeOnNewConnection(url: string, body: string): Promise<{ status: number; workerPid: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/invocations`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'text/csv', connection: 'close' },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, workerPid: Number(res.headers[WORKER_PID_HEADER]) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('model server on the SageMaker contract (one worker, loopback)', () => {
  let server: RunningModelServer;
  before(async () => {
    server = await startModelServer({ port: 0, workers: 1, maxBodyBytes: MAX_BODY_BYTES });
  });
  after(async () => {
    await server?.stop();
  });

  it('listens on 127.0.0.1 and reports its pid, the one that answers', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.pids.length, 1);
    assert.ok(server.pids[0]! > 0);
    assert.equal((await call(server, '/ping')).workerPid, server.pids[0]);
  });

  it('GET /ping -> 200', async () => {
    assert.equal((await call(server, '/ping')).status, 200);
  });

  it('POST /invocations text/csv -> one prediction per line, equal to xgboost to 1e-6', async () => {
    const rows = referenceRows.slice(560, 700); // includes rows with missing values
    const answer = await call(server, '/invocations', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `${rows.join('\n')}\n`,
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.contentType, 'text/csv');
    const lines = answer.text.trimEnd().split('\n');
    assert.equal(lines.length, rows.length);
    lines.forEach((line, i) => {
      assert.ok(
        Math.abs(Number(line) - referencePredictions[560 + i]!) <= 1e-6,
        `row ${560 + i + 1}: ${line}`,
      );
    });
  });

  it('the sample payload gives 100 probabilities', async () => {
    const answer = await call(server, '/invocations', {
      method: 'POST',
      headers: { 'content-type': 'text/csv; charset=utf-8', accept: 'text/csv' },
      body: payload,
    });
    assert.equal(answer.status, 200);
    const values = answer.text.trimEnd().split('\n').map(Number);
    assert.equal(values.length, 100);
    assert.ok(values.every((v) => v > 0 && v < 1));
  });

  const thirtyValues = Array.from({ length: 30 }, (_, i) => i + 1).join(',');
  const badInputs = [
    {
      name: 'JSON content type',
      method: 'POST',
      type: 'application/json',
      body: '[1,2]',
      status: 415,
      message: /unsupported content type "application\/json"/,
    },
    {
      name: 'no content type',
      method: 'POST',
      type: undefined,
      body: thirtyValues,
      status: 415,
      message: /\(none\)/,
    },
    {
      name: 'one feature short (29)',
      method: 'POST',
      type: 'text/csv',
      body: thirtyValues.replace(/,30$/, ''),
      status: 400,
      message: /row 1 has 29 values, the model expects 30 features/,
    },
    {
      name: 'one feature too many (31)',
      method: 'POST',
      type: 'text/csv',
      body: `${thirtyValues},31`,
      status: 400,
      message: /row 1 has 31 values/,
    },
    {
      name: 'a word in a row',
      method: 'POST',
      type: 'text/csv',
      body: thirtyValues.replace('7', 'seven'),
      status: 400,
      message: /column 7: "seven"/,
    },
    { name: 'empty body', method: 'POST', type: 'text/csv', body: '', status: 400, message: /EmptyBody/ },
    {
      name: 'unknown path',
      method: 'POST',
      type: 'text/csv',
      body: thirtyValues,
      path: '/predict',
      status: 404,
      message: /no route \/predict/,
    },
    {
      name: 'GET /invocations',
      method: 'GET',
      type: undefined,
      body: undefined,
      status: 405,
      message: /use POST/,
    },
    {
      name: 'POST /ping',
      method: 'POST',
      type: 'text/csv',
      body: thirtyValues,
      path: '/ping',
      status: 405,
      message: /use GET/,
    },
    {
      name: 'Accept application/json',
      method: 'POST',
      type: 'text/csv',
      body: thirtyValues,
      accept: 'application/json',
      status: 406,
      message: /text\/csv/,
    },
    {
      name: 'body over the limit (64 KiB + 1)',
      method: 'POST',
      type: 'text/csv',
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
      status: 413,
      message: /over the limit of 65536 bytes/,
    },
  ];
  for (const c of badInputs) {
    it(`refuses ${c.name} with ${c.status}`, async () => {
      const headers: Record<string, string> = {};
      if (c.type) headers['content-type'] = c.type;
      if (c.accept) headers.accept = c.accept;
      const answer = await call(server, c.path ?? '/invocations', {
        method: c.method,
        headers,
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      assert.equal(answer.status, c.status);
      assert.match(answer.text, c.message);
    });
  }

  it('a body exactly at the limit is read (and refused only as CSV)', async () => {
    const answer = await call(server, '/invocations', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'x'.repeat(MAX_BODY_BYTES),
    });
    assert.equal(answer.status, 400);
  });

  it('still answers after the bad inputs (no fault, no crash)', async () => {
    assert.equal((await call(server, '/ping')).status, 200);
  });
});

describe('model server with workers and pinning', () => {
  it('two workers pinned to core 0: three pids, all on core 0, both serve', async () => {
    const server = await startModelServer({ port: 0, workers: 2, cpus: [0] });
    try {
      assert.equal(server.pids.length, 3, 'primary and two workers');
      assert.deepEqual(server.cpus, [0]);
      for (const pid of server.pids) {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        assert.match(status, /Cpus_allowed_list:\s*0\n/);
      }
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          call(server, '/invocations', {
            method: 'POST',
            headers: { 'content-type': 'text/csv' },
            body: payload,
          }),
        ),
      );
      assert.ok(answers.every((a) => a.status === 200 && a.text.trimEnd().split('\n').length === 100));
      // Both workers answered: one connection each, handed out round-robin; at most 20 tries.
      const workers = server.pids.slice(1);
      const answeredBy = new Set<number>();
      for (let i = 0; i < 20 && answeredBy.size < workers.length; i++) {
        const answer = await invokeOnNewConnection(server.url, payload);
        assert.equal(answer.status, 200);
        answeredBy.add(answer.workerPid);
      }
      assert.deepEqual([...answeredBy].sort(), [...workers].sort(), 'each worker served requests');
    } finally {
      await server.stop();
    }
    for (const pid of server.pids) {
      assert.throws(() => process.kill(pid, 0), 'every server process has exited');
    }
  });

  const refusals = [
    { name: 'a model that is not XGBoost JSON', options: { port: 0, modelPath: DEMO_PAYLOAD_PATH } },
    { name: 'zero workers', options: { port: 0, workers: 0 } },
    { name: 'a negative core', options: { port: 0, cpus: [-1] } },
  ];
  for (const c of refusals) {
    it(`refuses to start with ${c.name}`, async () => {
      await assert.rejects(startModelServer(c.options), ConfigurationError);
    });
  }

  it('a port already in use is a ConfigurationError naming the port', async () => {
    const first = await startModelServer({ port: 0, modelPath: DEMO_MODEL_PATH });
    try {
      await assert.rejects(startModelServer({ port: first.port }), (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${first.port}.*EADDRINUSE`, 's'));
        return true;
      });
    } finally {
      await first.stop();
    }
  });

  const placements = [
    { name: 'one core: nothing pinned', cores: 1, expected: undefined },
    { name: 'two cores: server on core 0', cores: 2, expected: [0] },
    { name: 'eight cores: server on core 0', cores: 8, expected: [0] },
  ];
  for (const c of placements) {
    it(`defaultServerCpus, ${c.name}`, () => {
      assert.deepEqual(defaultServerCpus(c.cores), c.expected);
    });
  }
});

describe('model server faults (in-process handler on 127.0.0.1)', () => {
  it('a model whose evaluation throws gives 500 (not a 4XX), reports the fault and keeps serving', async () => {
    // Prepare: a model that parses rows of 2 features but fails when evaluated.
    const broken = {
      objective: 'reg:squarederror',
      featureCount: 2,
      baseScore: 0,
      baseMargin: 0,
      get trees(): never {
        throw new Error('model memory is corrupt');
      },
    } as unknown as XgboostModel;
    const faults: unknown[] = [];
    const server = createServer(createInvocationHandler(broken, { onFault: (error) => faults.push(error) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = (body: string) =>
      fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: Buffer.from(body),
        signal: AbortSignal.timeout(5_000),
      });
    try {
      // Act
      const fault = await post('1,2\n3,4\n');
      const faultText = await fault.text();
      const badInput = await post('1,2,3\n');
      const ping = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5_000) });

      // Assess
      assert.equal(fault.status, 500);
      assert.equal(faultText, 'internal server error\n', 'no internals leak to the client');
      assert.equal(faults.length, 1);
      assert.match(String(faults[0]), /model memory is corrupt/);
      assert.equal(badInput.status, 400, 'bad input stays a 4XX even on a faulty model');
      assert.equal(ping.status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
