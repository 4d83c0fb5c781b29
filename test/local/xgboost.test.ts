import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatPredictions, parseCsvRows } from '../../shared/adapters/local/model-server/csv-rows';
import {
  loadXgboostModel,
  parseXgboostModel,
  predictMargin,
  predictRow,
  predictRows,
} from '../../shared/adapters/local/model-server/xgboost';
import { InvalidInputError } from '../../shared/core/errors';

const DEMO = join(import.meta.dirname, '..', '..', 'models', 'demo');
const TOLERANCE = 1e-6;

function readCsv(path: string): number[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(',').map((field) => (field === '' ? Number.NaN : Number(field))));
}

const fixtures = [
  {
    name: 'binary:logistic classifier (breast cancer)',
    folder: DEMO,
    objective: 'binary:logistic',
    features: 30,
  },
  {
    name: 'reg:squarederror regression (diabetes, base_score = mean)',
    folder: join(DEMO, 'regression'),
    objective: 'reg:squarederror',
    features: 10,
  },
] as const;

describe('XGBoost JSON evaluator against xgboost 1.7 reference predictions', () => {
  for (const fixture of fixtures) {
    it(`${fixture.name}: every reference row within 1e-6 (prediction and margin)`, () => {
      const model = loadXgboostModel(join(fixture.folder, 'model.json'));
      const rows = readCsv(join(fixture.folder, 'reference-features.csv'));
      const expected = readCsv(join(fixture.folder, 'reference-predictions.csv'));
      assert.equal(model.objective, fixture.objective);
      assert.equal(model.featureCount, fixture.features);
      assert.equal(rows.length, expected.length);
      assert.ok(rows.length > 400, 'the reference set covers the data set plus edge rows');
      let worst = 0;
      for (const [i, row] of rows.entries()) {
        const [prediction, margin] = expected[i]!;
        const predictionError = Math.abs(predictRow(model, row) - prediction!);
        const marginError = Math.abs(predictMargin(model, row) - margin!) / Math.max(1, Math.abs(margin!));
        worst = Math.max(worst, predictionError, marginError);
        assert.ok(predictionError <= TOLERANCE, `row ${i + 1}: ${predictRow(model, row)} vs ${prediction}`);
        assert.ok(marginError <= TOLERANCE, `row ${i + 1} margin: ${predictMargin(model, row)} vs ${margin}`);
      }
      assert.ok(worst <= TOLERANCE);
    });
  }

  it('the first reference row gives the values the doc comments of predictMargin and predictRow show', () => {
    const model = loadXgboostModel(join(DEMO, 'model.json'));
    const [row] = readCsv(join(DEMO, 'reference-features.csv'));
    assert.equal(predictMargin(model, row!), -3.68674898147583);
    assert.equal(predictRow(model, row!), 0.024440990760922432);
  });

  it('rows with missing values are in the reference set and follow default directions both ways', () => {
    const model = loadXgboostModel(join(DEMO, 'model.json'));
    const rows = readCsv(join(DEMO, 'reference-features.csv'));
    const withMissing = rows.filter((row) => row.some(Number.isNaN));
    assert.ok(withMissing.length >= 120, `${withMissing.length} rows with missing values`);
    // Internal nodes (left child != -1) by default direction: the model has both kinds.
    let defaultLeftNodes = 0;
    let defaultRightNodes = 0;
    for (const tree of model.trees)
      tree.left.forEach((child, node) => {
        if (child === -1) return;
        if (tree.defaultLeft[node] === 1) defaultLeftNodes += 1;
        else defaultRightNodes += 1;
      });
    assert.ok(defaultLeftNodes > 0, `${defaultLeftNodes} nodes send missing values left`);
    assert.ok(defaultRightNodes > 0, `${defaultRightNodes} nodes send missing values right`);
    // The all-missing row depends only on default directions: its path takes both, and its margin
    // is xgboost's to 1e-6.
    const index = rows.findIndex((row) => row.every(Number.isNaN));
    assert.ok(index >= 0, 'the reference set has an all-missing row');
    let wentLeft = 0;
    let wentRight = 0;
    for (const tree of model.trees) {
      let node = 0;
      while (tree.left[node] !== -1) {
        if (tree.defaultLeft[node] === 1) {
          wentLeft += 1;
          node = tree.left[node]!;
        } else {
          wentRight += 1;
          node = tree.right[node]!;
        }
      }
    }
    assert.ok(wentLeft > 0 && wentRight > 0, `all-missing path: ${wentLeft} left, ${wentRight} right`);
    const [, margin] = readCsv(join(DEMO, 'reference-predictions.csv'))[index]!;
    assert.ok(Math.abs(predictMargin(model, rows[index]!) - margin!) <= TOLERANCE);
  });

  it('base_score: binary:logistic 0.5 -> margin 0; regression keeps its mean', () => {
    const classifier = loadXgboostModel(join(DEMO, 'model.json'));
    const regression = loadXgboostModel(join(DEMO, 'regression', 'model.json'));
    assert.equal(classifier.baseScore, 0.5);
    assert.equal(classifier.baseMargin, 0);
    assert.equal(regression.baseScore, 152.13348);
    assert.equal(regression.baseMargin, Math.fround(152.13348));
  });

  it('predictRows matches predictRow on a row-major block', () => {
    const model = loadXgboostModel(join(DEMO, 'model.json'));
    const rows = readCsv(join(DEMO, 'reference-features.csv')).slice(0, 25);
    const block = predictRows(model, Float64Array.from(rows.flat()), rows.length);
    assert.deepEqual(
      Array.from(block),
      rows.map((row) => predictRow(model, row)),
    );
    assert.throws(() => predictRows(model, new Float64Array(29), 1), InvalidInputError);
  });
});

/** A one-tree model: feature 0 < 0.5 -> left leaf -1, else right leaf +2; missing -> `defaultLeft`. */
function stump(options: {
  objective?: string;
  baseScore?: string;
  defaultLeft?: number;
  splitType?: number;
}) {
  return {
    learner: {
      objective: { name: options.objective ?? 'reg:squarederror' },
      learner_model_param: { base_score: options.baseScore ?? '0E0', num_feature: '2', num_class: '0' },
      gradient_booster: {
        name: 'gbtree',
        model: {
          trees: [
            {
              left_children: [1, -1, -1],
              right_children: [2, -1, -1],
              split_indices: [0, 0, 0],
              split_conditions: [0.5, -1, 2],
              default_left: [options.defaultLeft ?? 1, 0, 0],
              split_type: [options.splitType ?? 0, 0, 0],
            },
          ],
        },
      },
    },
  };
}

describe('XGBoost evaluator rules on a hand-built stump', () => {
  const cases = [
    { name: 'below the threshold goes left', row: [0.49, 0], expected: -1 },
    { name: 'exactly the threshold goes right (strict <)', row: [0.5, 0], expected: 2 },
    { name: 'above the threshold goes right', row: [0.51, 0], expected: 2 },
    { name: 'missing goes to the default (left)', row: [Number.NaN, 0], expected: -1 },
    { name: 'missing goes to the default (right)', row: [Number.NaN, 0], expected: 2, defaultLeft: 0 },
    // 0.50000001 rounds to 0.5 in float32, as xgboost reads it: right, not left.
    { name: 'float32 rounding of the feature', row: [0.50000001, 0], expected: 2 },
    { name: 'base_score adds to the margin', row: [0, 0], expected: 9, baseScore: '1E1' },
    {
      name: 'binary:logistic applies the sigmoid',
      row: [0, 0],
      expected: 1 / (1 + Math.E),
      objective: 'binary:logistic',
      baseScore: '5E-1',
    },
    {
      name: 'binary:logistic with base_score 0.25 starts at logit(0.25)',
      row: [1, 0],
      expected: 1 / (1 + Math.exp(-(2 + Math.log(1 / 3)))),
      objective: 'binary:logistic',
      baseScore: '2.5E-1',
    },
    { name: 'xgboost 3 array base_score', row: [1, 0], expected: 3, baseScore: '[1E0]' },
    {
      name: 'count:poisson exponentiates',
      row: [1, 0],
      expected: Math.exp(2),
      objective: 'count:poisson',
      baseScore: '1E0',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const model = parseXgboostModel(stump(c));
      assert.ok(
        Math.abs(predictRow(model, c.row) - c.expected) <= 1e-6,
        `${predictRow(model, c.row)} vs ${c.expected}`,
      );
    });
  }

  const refused = [
    { name: 'categorical split', model: stump({ splitType: 1 }), message: /categorical/ },
    { name: 'unknown objective', model: stump({ objective: 'multi:softprob' }), message: /not supported/ },
    {
      name: 'logistic base_score outside (0, 1)',
      model: stump({ objective: 'binary:logistic', baseScore: '1E0' }),
      message: /\(0, 1\)/,
    },
    { name: 'base_score not a number', model: stump({ baseScore: 'abc' }), message: /base_score/ },
    { name: 'not a model at all', model: { hello: 1 }, message: /learner/ },
  ];
  for (const c of refused) {
    it(`refuses: ${c.name}`, () => {
      assert.throws(
        () => parseXgboostModel(c.model),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInputError);
          assert.match(error.message, c.message);
          return true;
        },
      );
    });
  }

  it('property: a stump prediction is always one of its two leaves, and monotone in feature 0', () => {
    const model = parseXgboostModel(stump({}));
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const pLo = predictRow(model, [lo, 0]);
          const pHi = predictRow(model, [hi, 0]);
          return [-1, 2].includes(pLo) && [-1, 2].includes(pHi) && pLo <= pHi;
        },
      ),
    );
  });
});

describe('CSV rows of a request body', () => {
  const cases = [
    { name: 'two rows, trailing newline', text: '1,2,3\n4,5,6\n', rows: 2, values: [1, 2, 3, 4, 5, 6] },
    { name: 'CRLF endings and blank lines', text: '1,2,3\r\n\r\n4,5,6', rows: 2, values: [1, 2, 3, 4, 5, 6] },
    {
      name: 'empty field and nan are missing',
      text: '1,,nan\n',
      rows: 1,
      values: [1, Number.NaN, Number.NaN],
    },
    { name: 'exponents and signs', text: '-1e-3,+2.5,.5\n', rows: 1, values: [-0.001, 2.5, 0.5] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseCsvRows(c.text, 3);
      assert.ok(parsed.ok);
      assert.equal(parsed.rowCount, c.rows);
      assert.deepEqual(Array.from(parsed.features), c.values);
    });
  }
  const bad = [
    { name: 'empty body', text: '', code: 'EmptyBody', message: /no CSV rows/ },
    { name: 'only blank lines', text: '\n\n', code: 'EmptyBody', message: /no CSV rows/ },
    {
      name: 'one value short (boundary)',
      text: '1,2\n',
      code: 'WrongFeatureCount',
      message: /row 1 has 2 values, the model expects 3/,
    },
    {
      name: 'one value too many (boundary)',
      text: '1,2,3\n1,2,3,4\n',
      code: 'WrongFeatureCount',
      message: /row 2 has 4 values/,
    },
    { name: 'a word', text: '1,abc,3\n', code: 'NotANumber', message: /row 1 column 2: "abc"/ },
    { name: 'a header row', text: 'a,b,c\n1,2,3\n', code: 'NotANumber', message: /row 1 column 1/ },
    { name: 'hex is not CSV', text: '0x10,1,2\n', code: 'NotANumber', message: /0x10/ },
  ];
  for (const c of bad) {
    it(`refuses: ${c.name}`, () => {
      const parsed = parseCsvRows(c.text, 3);
      assert.ok(!parsed.ok);
      assert.equal(parsed.code, c.code);
      assert.match(parsed.message, c.message);
    });
  }
  it('formats one prediction per line, round-tripping float32 values', () => {
    assert.equal(formatPredictions([0.015443305484950542, 1]), '0.015443305484950542\n1\n');
  });
});
