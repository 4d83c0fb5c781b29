import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findViolations } from '../scripts/check-core-purity';

describe('core purity check', () => {
  const cases: { name: string; source: string; expected: RegExp | null }[] = [
    { name: 'plain core import', source: "import { x } from './thresholds';", expected: null },
    { name: 'zod is allowed', source: "import { z } from 'zod';", expected: null },
    { name: 'AWS SDK', source: "import { S } from '@aws-sdk/client-s3';", expected: /AWS SDK/ },
    { name: 'adapter', source: "import { a } from '../adapters/aws/x';", expected: /adapter/ },
    { name: 'fs', source: "import { readFileSync } from 'node:fs';", expected: /I\/O/ },
    { name: 'env', source: 'const r = process.env.AWS_REGION;', expected: /process.env/ },
    { name: 'clock', source: 'const t = Date.now();', expected: /clock/ },
    { name: 'new Date()', source: 'const t = new Date();', expected: /clock/ },
    { name: 'new Date(x) is fine', source: 'const t = new Date(0);', expected: null },
    { name: 'console', source: "console.log('x');", expected: /console/ },
    { name: 'comment mentioning console', source: '// console.log and Date.now are banned', expected: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = findViolations('shared/core/x.ts', c.source);
      if (c.expected === null) assert.deepEqual(found, []);
      else assert.match(found.join('\n'), c.expected);
    });
  }
});
