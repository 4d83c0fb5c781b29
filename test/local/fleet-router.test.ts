/**
 * The local endpoint's router, in the SageMaker runtime's role, against two in-process servers:
 * both routing strategies, the invocation timeout, and InvokeEndpoint's error shapes.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type InvocationRecord,
  type RoutedInstance,
  startRouter,
} from '../../shared/adapters/local/fleet/router';

const hits = { a: 0, b: 0 };
/** 'slow' bodies wait 300 ms; 'bad' bodies get a 400 from the model. */
function modelServer(name: 'a' | 'b'): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      hits[name] += 1;
      const answer = () => {
        if (body.startsWith('bad')) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end('wrong feature count\n');
        } else {
          res.writeHead(200, { 'content-type': 'text/csv' });
          res.end('0.5\n');
        }
      };
      if (body.startsWith('slow')) setTimeout(answer, 300);
      else answer();
    });
  });
}

const servers = [modelServer('a'), modelServer('b')];
const instances: RoutedInstance[] = [];
before(async () => {
  for (const [i, server] of servers.entries()) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instances.push({
      id: i === 0 ? 'a' : 'b',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      inFlight: 0,
    });
  }
});
after(() => {
  for (const server of servers) server.close();
});

async function withRouter(
  strategy: 'RANDOM' | 'LEAST_OUTSTANDING_REQUESTS',
  random: () => number,
  act: (url: string, records: InvocationRecord[]) => Promise<void>,
  routed: () => RoutedInstance[] = () => instances,
): Promise<void> {
  const records: InvocationRecord[] = [];
  const router = await startRouter({
    endpointName: 'ep',
    strategy,
    invocationTimeoutMs: 150,
    inService: routed,
    record: (r) => records.push(r),
    random,
  });
  try {
    await act(router.invocationsUrl, records);
  } finally {
    await router.close();
  }
}

const invoke = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: Buffer.from(body) });

describe('local endpoint router', () => {
  it('LEAST_OUTSTANDING_REQUESTS sends a request to the instance with fewer in flight', async () => {
    hits.a = 0;
    hits.b = 0;
    await withRouter(
      'LEAST_OUTSTANDING_REQUESTS',
      () => 0,
      async (url) => {
        // Both idle: the first candidate (random 0) gets the slow one; the next goes to the idle b.
        const slow = invoke(url, 'slowish');
        await new Promise((resolve) => setTimeout(resolve, 30));
        const fast = await invoke(url, '1,2,3');
        assert.equal(fast.status, 200);
        await (await slow).text();
      },
    );
    assert.deepEqual(hits, { a: 1, b: 1 });
  });

  it('RANDOM picks by the random draw, whatever is in flight', async () => {
    hits.a = 0;
    hits.b = 0;
    await withRouter(
      'RANDOM',
      () => 0.99,
      async (url) => {
        await Promise.all(
          [invoke(url, '1'), invoke(url, '2'), invoke(url, '3')].map(async (r) => (await r).text()),
        );
      },
    );
    assert.deepEqual(hits, { a: 0, b: 3 });
  });

  it('answers as InvokeEndpoint: ModelError for a model 4XX and for a timeout, ServiceUnavailable, ValidationError', async () => {
    await withRouter(
      'RANDOM',
      () => 0,
      async (url, records) => {
        const bad = await invoke(url, 'bad');
        assert.equal(bad.status, 424);
        assert.equal(bad.headers.get('x-amzn-errortype'), 'ModelError');
        const badBody = (await bad.json()) as { OriginalStatusCode: number; OriginalMessage: string };
        assert.deepEqual(
          [badBody.OriginalStatusCode, badBody.OriginalMessage],
          [400, 'wrong feature count\n'],
        );
        const late = await invoke(url, 'slow');
        assert.equal(late.status, 424);
        assert.match(((await late.json()) as { message: string }).message, /timed out/);
        const lost = await fetch(url.replace('/endpoints/ep/', '/endpoints/other/'), {
          method: 'POST',
          body: 'x',
        });
        assert.equal(lost.status, 400);
        assert.equal(lost.headers.get('x-amzn-errortype'), 'ValidationError');
        await lost.text();
        assert.deepEqual(
          records.map((r) => r.outcome),
          ['4xx', '5xx', '4xx'],
        );
      },
    );
    await withRouter(
      'RANDOM',
      () => 0,
      async (url, records) => {
        const none = await invoke(url, '1');
        assert.equal(none.status, 503);
        assert.equal(none.headers.get('x-amzn-errortype'), 'ServiceUnavailable');
        await none.text();
        assert.deepEqual(
          records.map((r) => [r.outcome, r.inServiceInstances]),
          [['5xx', 0]],
        );
      },
      () => [],
    );
  });
});
