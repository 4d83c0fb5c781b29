import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  checkTree,
  findLayerViolations,
  layerOf,
  longFunctions,
  longFunctionsInTree,
  MAX_FUNCTION_LINES,
} from '../scripts/check-layers';

describe('layer check: imports up the layers fail, naming the file and the import', () => {
  const cases: { name: string; file: string; source: string; expected: RegExp }[] = [
    {
      name: 'core importing an adapter',
      file: 'shared/core/x.ts',
      source: "import { a } from '../adapters/aws/errors';",
      expected:
        /shared\/core\/x\.ts:1 imports '\.\.\/adapters\/aws\/errors' \(layer adapters, 2\) from layer core \(0\)/,
    },
    {
      name: 'core importing the handlers contract',
      file: 'shared/core/sim/x.ts',
      source: "\nimport type { S } from '../../contract/state';",
      expected: /x\.ts:2 imports '\.\.\/\.\.\/contract\/state' \(layer contract, 1\)/,
    },
    {
      name: 'the contract importing an adapter',
      file: 'shared/contract/state.ts',
      source: "import { callAws } from '../adapters/aws/errors';",
      expected: /layer adapters, 2\) from layer contract \(1\)/,
    },
    {
      name: 'an adapter importing a function (the old local runner climbed so)',
      file: 'shared/adapters/local/x.ts',
      source: "import { handlerFactories } from '../../../functions/index';",
      expected: /layer functions, 3\) from layer adapters \(2\)/,
    },
    {
      name: 'an adapter importing the workflow runtime',
      file: 'shared/adapters/local/ports/x.ts',
      source: "import { runWorkflowLocally } from '../../../workflow/local-runner';",
      expected: /layer workflow, 4\) from layer adapters \(2\)/,
    },
    {
      name: 'a handler importing the workflow runtime',
      file: 'functions/judge/handler.ts',
      source: "import { loadDefinition } from '../../shared/workflow/definition';",
      expected: /layer workflow, 4\) from layer functions \(3\)/,
    },
    {
      name: 'the workflow runtime importing the CLI',
      file: 'shared/workflow/run-local.ts',
      source: "import { parseDecimal } from '../../cli/options';",
      expected: /layer entry, 5\) from layer workflow \(4\)/,
    },
    {
      name: 'a re-export from above',
      file: 'shared/core/x.ts',
      source: "export * from '../workflow/run-local';",
      expected: /layer workflow/,
    },
    {
      name: 'a dynamic import from above',
      file: 'functions/x.ts',
      source: "const m = await import('../cli/index');",
      expected: /layer entry/,
    },
    {
      name: 'an import() type from above',
      file: 'shared/core/x.ts',
      source: "type T = import('../adapters/local/index').T;",
      expected: /layer adapters/,
    },
    {
      name: 'the local backend importing the AWS backend',
      file: 'shared/adapters/local/x.ts',
      source: "import { callAws } from '../aws/errors';",
      expected: /separate backends/,
    },
    {
      name: 'the AWS backend importing the local backend',
      file: 'shared/adapters/aws/x.ts',
      source: "import { x } from '../local/state-store';",
      expected: /separate backends/,
    },
    {
      name: 'a file in a folder of no layer',
      file: 'shared/misc/x.ts',
      source: '',
      expected: /belongs to no layer/,
    },
    {
      name: 'an import of a folder of no layer',
      file: 'cli/x.ts',
      source: "import { m } from '../shared/model/xgboost';",
      expected: /belongs to no layer/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = findLayerViolations(c.file, c.source);
      assert.ok(found.length > 0, 'nothing flagged');
      assert.match(found.join('\n'), c.expected);
    });
  }
});

describe('layer check: imports within or down the layers pass', () => {
  const cases: { name: string; file: string; source: string }[] = [
    { name: 'core within core', file: 'shared/core/sim/x.ts', source: "import { y } from '../request';" },
    {
      name: 'contract on core',
      file: 'shared/contract/state.ts',
      source: "import { z } from '../core/errors';",
    },
    {
      name: 'adapter on core',
      file: 'shared/adapters/aws/x.ts',
      source: "import { a } from '../../core/ports';",
    },
    {
      name: 'adapter on contract',
      file: 'shared/adapters/local/x.ts',
      source: "import { s } from '../../contract/state';",
    },
    {
      name: 'within one backend',
      file: 'shared/adapters/local/ports/x.ts',
      source: "import { s } from '../state-store';",
    },
    {
      name: 'function on adapters',
      file: 'functions/judge/handler.ts',
      source: "import { a } from '../../shared/adapters/aws';",
    },
    {
      name: 'function on contract',
      file: 'functions/judge/handler.ts',
      source: "import { d } from '../../shared/contract/handler';",
    },
    {
      name: 'workflow on functions',
      file: 'shared/workflow/local-runner.ts',
      source: "import { f } from '../../functions/index';",
    },
    {
      name: 'workflow on both backends',
      file: 'shared/workflow/run-local.ts',
      source: "import { l } from '../adapters/local';\nimport { a } from '../adapters/aws/names';",
    },
    {
      name: 'cli on the workflow runtime',
      file: 'cli/commands/run.ts',
      source: "import { r } from '../../shared/workflow/run-local';",
    },
    { name: 'bench on cli', file: 'bench/x.ts', source: "import { o } from '../cli/options';" },
    { name: 'bin on cli', file: 'bin/scaleplan.js', source: "await import('../cli/index.ts');" },
    { name: 'packages are not layers', file: 'shared/core/x.ts', source: "import { z } from 'zod';" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(findLayerViolations(c.file, c.source), []);
    });
  }
});

describe('layer check on the repository', () => {
  it('every source folder has a layer and every import runs downward', () => {
    assert.equal(layerOf('shared/contract/state.ts')?.name, 'contract');
    const { files, violations } = checkTree();
    assert.ok(files > 80, `only ${files} files found`);
    assert.deepEqual(violations, []);
  });
});

describe('function length', () => {
  const body = (lines: number) =>
    Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  it(`a function of ${MAX_FUNCTION_LINES + 1} lines is flagged, one of ${MAX_FUNCTION_LINES} is not`, () => {
    const long = `export function tooLong() {\n${body(MAX_FUNCTION_LINES + 1)}\n}\n`;
    const fine = `const justRight = () => {\n${body(MAX_FUNCTION_LINES)}\n};\n`;
    assert.deepEqual(longFunctions('x.ts', long), [
      { name: 'tooLong', at: 'x.ts:1', lines: MAX_FUNCTION_LINES + 1 },
    ]);
    assert.deepEqual(longFunctions('x.ts', fine), []);
  });
  it('no function in shared/ or cli/ is longer than the limit unless docs/architecture.md names it', () => {
    const documented = readFileSync('docs/architecture.md', 'utf8');
    const section = documented.slice(documented.indexOf('## Functions longer than'));
    const undocumented = longFunctionsInTree().filter((f) => !section.includes(`\`${f.name}\``));
    assert.deepEqual(undocumented, []);
  });
});
