import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findViolations } from '../scripts/check-core-purity';

describe('core purity check: what must be flagged', () => {
  const cases: { name: string; source: string; file?: string; expected: RegExp }[] = [
    { name: 'AWS SDK', source: "import { S } from '@aws-sdk/client-s3';", expected: /'@aws-sdk\/client-s3'/ },
    { name: 'adapter', source: "import { a } from '../adapters/aws/x';", expected: /outside shared\/core/ },
    { name: 'handler', source: "import { h } from '../handlers/x';", expected: /outside shared\/core/ },
    { name: 'workflow', source: "import { w } from '../workflow/x';", expected: /outside shared\/core/ },
    {
      name: 'a sim file climbing out of core',
      file: 'shared/core/sim/x.ts',
      source: "import { a } from '../../adapters/local/x';",
      expected: /outside shared\/core/,
    },
    {
      name: 're-export from outside',
      source: "export * from '../../cli/x';",
      expected: /outside shared\/core/,
    },
    {
      name: 'type-only import from outside',
      source: "import type { T } from '../adapters/t';",
      expected: /outside/,
    },
    {
      name: 'import() type from outside',
      source: "type T = import('../adapters/t').T;",
      expected: /outside/,
    },
    { name: 'import = require', source: "import fs = require('node:fs');", expected: /'node:fs'/ },
    { name: 'fs', source: "import { readFileSync } from 'node:fs';", expected: /'node:fs'/ },
    { name: 'readline', source: "import * as rl from 'node:readline';", expected: /'node:readline'/ },
    { name: 'undici', source: "import { request } from 'undici';", expected: /'undici'/ },
    {
      name: 'a package that merely starts with zod',
      source: "import x from 'zodiac';",
      expected: /'zodiac'/,
    },
    { name: 'dynamic import', source: "const m = await import('./x');", expected: /dynamic import/ },
    { name: 'import.meta', source: 'const u = import.meta.url;', expected: /import\.meta/ },
    { name: 'process.env', source: 'const r = process.env.AWS_REGION;', expected: /'process'/ },
    { name: "process['env']", source: "const r = process['env'].AWS_REGION;", expected: /'process'/ },
    { name: 'const { env } = process', source: 'const { env } = process;', expected: /'process'/ },
    {
      name: 'globalThis.process.env',
      source: 'const r = globalThis.process.env.X;',
      expected: /'globalThis'/,
    },
    { name: 'process.stdout.write', source: "process.stdout.write('x');", expected: /'process'/ },
    { name: 'fetch', source: "await fetch('https://example.com');", expected: /'fetch'/ },
    { name: 'console', source: "console.log('x');", expected: /'console'/ },
    { name: 'require', source: "const fs = require('node:fs');", expected: /'require'/ },
    { name: 'setTimeout', source: 'setTimeout(() => {}, 10);', expected: /'setTimeout'/ },
    { name: 'setInterval', source: 'setInterval(() => {}, 10);', expected: /'setInterval'/ },
    { name: 'performance.now', source: 'const t = performance.now();', expected: /'performance'/ },
    { name: 'Date.now()', source: 'const t = Date.now();', expected: /clock \(Date\.now\)/ },
    { name: "Date['now']()", source: "const t = Date['now']();", expected: /clock \(Date\['now'\]\)/ },
    { name: 'Date() as a function', source: 'const t = Date();', expected: /clock \(Date\(\)\)/ },
    { name: 'new Date()', source: 'const t = new Date();', expected: /clock \(new Date\(\)\)/ },
    { name: 'Date passed around', source: 'const D = Date; D.now();', expected: /passes Date around/ },
    { name: 'Math.random', source: 'const r = Math.random();', expected: /randomness/ },
    { name: "Math['random']", source: "const r = Math['random']();", expected: /randomness/ },
    {
      name: 'Math.random destructured',
      source: 'const { random } = Math;\nrandom();',
      expected: /Math other than/,
    },
    { name: 'Math passed around', source: 'const M = Math;\nM.random();', expected: /Math other than/ },
    {
      name: 'Intl.DateTimeFormat reads the clock',
      source: "const s = new Intl.DateTimeFormat('en').format();",
      expected: /Intl/,
    },
    { name: 'eval', source: "const p = eval('process');", expected: /eval/ },
    {
      name: 'the Function constructor',
      source: "const f = new Function('return process');",
      expected: /Function constructor/,
    },
    {
      name: 'the global process used next to a function that shadows it',
      source: 'function f(process: number) { return process; }\nconst e = process.env;',
      expected: /x\.ts:2 uses the process/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = findViolations(c.file ?? 'shared/core/x.ts', c.source);
      assert.ok(found.length > 0, 'nothing flagged');
      assert.match(found.join('\n'), c.expected);
    });
  }
});

describe('core purity check: what must pass', () => {
  const cases: { name: string; source: string; file?: string }[] = [
    { name: 'plain core import', source: "import { x } from './thresholds';" },
    {
      name: 'a sim file importing core',
      file: 'shared/core/sim/x.ts',
      source: "import { y } from '../request';",
    },
    { name: 'zod is allowed', source: "import { z } from 'zod';" },
    { name: 'a zod subpath is allowed', source: "import { z } from 'zod/v4';" },
    { name: 'new Date(x) is fine', source: 'const t = new Date(0).toISOString();' },
    { name: 'Date.parse of a given string', source: "const t = Date.parse('2026-01-01T00:00:00Z');" },
    { name: 'Date.UTC', source: 'const t = Date.UTC(2026, 0, 1);' },
    { name: 'Date as a type', source: 'function f(d: Date): number { return d.getTime(); }' },
    { name: 'Math other than random', source: 'const m = Math.max(1, Math.floor(2.5));' },
    { name: 'comment mentioning console', source: '// console.log, process.env and Date.now are banned' },
    { name: 'a string mentioning fetch', source: "const s = 'fetch(process.env.X)';" },
    {
      name: 'property names like a global',
      source: 'const o = { process: 1, console: 2 }; o.process + o.console;',
    },
    {
      name: 'a parameter named like a global',
      source: 'function f(window: { from: number }) { return window.from; }',
    },
    { name: 'a destructured key renamed', source: 'const { fetch: get } = { fetch: 1 }; get;' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(findViolations(c.file ?? 'shared/core/x.ts', c.source), []);
    });
  }
});

describe('core purity check on the repository', () => {
  it('every file of shared/core passes', () => {
    const list = (dir: string): string[] =>
      readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        return statSync(path).isDirectory() ? list(path) : path.endsWith('.ts') ? [path] : [];
      });
    const files = list('shared/core');
    assert.ok(files.length > 10, `only ${files.length} files found`);
    assert.deepEqual(
      files.flatMap((file) => findViolations(file, readFileSync(file, 'utf8'))),
      [],
    );
  });
});
