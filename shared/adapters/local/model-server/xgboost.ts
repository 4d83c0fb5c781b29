/**
 * An evaluator of XGBoost models saved in XGBoost's JSON format (`booster.save_model("model.json")`),
 * written to reproduce xgboost's own predictions to 1e-6 (tested against the reference predictions
 * of `models/demo`, written by xgboost 1.7 itself).
 *
 * What it reproduces, and how:
 * - **Numeric splits**: a row goes left when `feature < split_condition`, compared in float32, as
 *   xgboost converts every feature to float32 (a CSV value 0.1 becomes 0.100000001490116...).
 * - **Missing values** (NaN, an empty CSV field) follow each node's `default_left`.
 * - **base_score** is stored in the objective's output space (a probability for binary:logistic);
 *   the margin starts at its transform (`logit(0.5) = 0`) and adds one leaf per tree, in float32.
 * - **Objectives**: identity for reg:squarederror (and its aliases), sigmoid for binary:logistic and
 *   reg:logistic, exp for count:poisson / reg:gamma / reg:tweedie, raw margin for binary:logitraw.
 * Not supported (a named error says so): multi-class models, dart boosters, categorical splits,
 * vector leaves.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../../../core/errors';

/** Objectives this evaluator knows, with the transform from margin to prediction. */
export const SUPPORTED_OBJECTIVES = {
  'reg:squarederror': 'identity',
  'reg:linear': 'identity',
  'reg:pseudohubererror': 'identity',
  'reg:absoluteerror': 'identity',
  'binary:logitraw': 'identity',
  'binary:logistic': 'sigmoid',
  'reg:logistic': 'sigmoid',
  'count:poisson': 'exp',
  'reg:gamma': 'exp',
  'reg:tweedie': 'exp',
} as const;
export type XgboostObjective = keyof typeof SUPPORTED_OBJECTIVES;
type Transform = (typeof SUPPORTED_OBJECTIVES)[XgboostObjective];

/** One tree in flat typed arrays (the node layout of the JSON file, leaves have left = -1). */
export interface CompiledTree {
  left: Int32Array;
  right: Int32Array;
  featureIndex: Int32Array;
  /** Split threshold for internal nodes, leaf value for leaves; float32 values held as doubles. */
  value: Float64Array;
  defaultLeft: Uint8Array;
}

export interface XgboostModel {
  objective: XgboostObjective;
  /** Features each row must have (learner_model_param.num_feature). */
  featureCount: number;
  /** base_score as stored in the file, in the objective's output space (0.5 for binary:logistic). */
  baseScore: number;
  /** The margin every prediction starts from: the objective's inverse link of baseScore, float32. */
  baseMargin: number;
  trees: CompiledTree[];
  /** The xgboost version that wrote the file, as [major, minor, patch], when present. */
  version?: number[];
}

const fround = Math.fround;

function fail(message: string): never {
  throw new InvalidInputError(`XGBoost JSON model: ${message}`);
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} is not an object`);
  return value as Record<string, unknown>;
}

function asNumberArray(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number'))
    fail(`${where} is not a number array`);
  return value as number[];
}

/** base_score is a string: "5E-1" (xgboost 1.x, 2.x) or "[5E-1]" (3.x, one entry per target). */
function parseBaseScore(raw: unknown): number {
  const text = String(raw ?? '').trim();
  const inner = text.startsWith('[') ? text.slice(1, -1).split(',')[0]?.trim() : text;
  const value = Number(inner);
  if (inner === undefined || inner === '' || !Number.isFinite(value))
    fail(`base_score "${text}" is not a number`);
  return value;
}

/** The margin a prediction starts from (xgboost's ObjFunction::ProbToMargin), in float32. */
function baseMarginOf(transform: Transform, baseScore: number): number {
  if (transform === 'sigmoid') {
    if (!(baseScore > 0 && baseScore < 1))
      fail(`base_score ${baseScore} must be in (0, 1) for a logistic objective`);
    return fround(-Math.log(1 / baseScore - 1)) + 0; // + 0 turns logit(0.5) = -0 into 0
  }
  if (transform === 'exp') {
    if (!(baseScore > 0)) fail(`base_score ${baseScore} must be positive for a log-link objective`);
    return fround(Math.log(baseScore));
  }
  return fround(baseScore);
}

function compileTree(raw: unknown, index: number, featureCount: number): CompiledTree {
  const tree = asRecord(raw, `tree ${index}`);
  const left = asNumberArray(tree.left_children, `tree ${index} left_children`);
  const right = asNumberArray(tree.right_children, `tree ${index} right_children`);
  const indices = asNumberArray(tree.split_indices, `tree ${index} split_indices`);
  const conditions = asNumberArray(tree.split_conditions, `tree ${index} split_conditions`);
  const defaults = asNumberArray(tree.default_left, `tree ${index} default_left`);
  const types =
    tree.split_type === undefined ? [] : asNumberArray(tree.split_type, `tree ${index} split_type`);
  const nodeCount = left.length;
  if ([right, indices, conditions, defaults].some((a) => a.length !== nodeCount) || nodeCount === 0) {
    fail(`tree ${index} has node arrays of different lengths`);
  }
  if (types.some((t) => t !== 0)) fail(`tree ${index} has categorical splits, which are not supported`);
  for (let node = 0; node < nodeCount; node++) {
    const l = left[node]!;
    const r = right[node]!;
    if (l === -1) continue;
    if (!(l > node && l < nodeCount && r > node && r < nodeCount)) {
      fail(`tree ${index} node ${node} has children outside the tree`);
    }
    if (!(indices[node]! >= 0 && indices[node]! < featureCount)) {
      fail(`tree ${index} node ${node} splits on feature ${indices[node]} of ${featureCount}`);
    }
  }
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    featureIndex: Int32Array.from(indices),
    value: Float64Array.from(conditions, (v) => fround(v)),
    defaultLeft: Uint8Array.from(defaults),
  };
}

/**
 * Parses a model saved by `booster.save_model("model.json")` (the parsed JSON value).
 * Throws InvalidInputError naming what is wrong or unsupported.
 *
 * @example
 * const model = parseXgboostModel(JSON.parse(readFileSync('models/demo/model.json', 'utf8')));
 * model.objective; // 'binary:logistic'
 * model.featureCount; // 30
 * model.trees.length; // 100
 */
export function parseXgboostModel(json: unknown): XgboostModel {
  const root = asRecord(json, 'the document');
  const learner = asRecord(root.learner, 'learner');
  const objectiveName = String(asRecord(learner.objective, 'learner.objective').name ?? '');
  if (!(objectiveName in SUPPORTED_OBJECTIVES)) {
    fail(
      `objective "${objectiveName}" is not supported (supported: ${Object.keys(SUPPORTED_OBJECTIVES).join(', ')})`,
    );
  }
  const objective = objectiveName as XgboostObjective;
  const params = asRecord(learner.learner_model_param, 'learner.learner_model_param');
  const featureCount = Number(params.num_feature);
  if (!Number.isInteger(featureCount) || featureCount <= 0)
    fail(`num_feature "${params.num_feature}" is invalid`);
  if (Number(params.num_class ?? 0) > 1)
    fail(`multi-class models (num_class ${params.num_class}) are not supported`);
  if (Number(params.num_target ?? 1) > 1)
    fail(`multi-target models (num_target ${params.num_target}) are not supported`);
  const booster = asRecord(learner.gradient_booster, 'learner.gradient_booster');
  if (booster.name !== 'gbtree') fail(`booster "${String(booster.name)}" is not supported (only gbtree)`);
  const model = asRecord(booster.model, 'gradient_booster.model');
  if (!Array.isArray(model.trees)) fail('gradient_booster.model.trees is not an array');
  const baseScore = parseBaseScore(params.base_score);
  const version = Array.isArray(root.version) ? (root.version as number[]) : undefined;
  return {
    objective,
    featureCount,
    baseScore,
    baseMargin: baseMarginOf(SUPPORTED_OBJECTIVES[objective], baseScore),
    trees: model.trees.map((tree, index) => compileTree(tree, index, featureCount)),
    ...(version ? { version } : {}),
  };
}

/** Reads and parses a JSON model file; see {@link parseXgboostModel}. */
export function loadXgboostModel(path: string): XgboostModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read XGBoost model ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`XGBoost model ${path} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseXgboostModel(json);
}

/** The leaf value one tree gives a row (features at `offset` in `features`). */
function leafValue(tree: CompiledTree, features: ArrayLike<number>, offset: number): number {
  const { left, right, featureIndex, value, defaultLeft } = tree;
  let node = 0;
  while (left[node] !== -1) {
    const x = features[offset + featureIndex[node]!]!;
    if (Number.isNaN(x)) {
      // NaN: a missing value follows the node's default direction.
      node = defaultLeft[node] === 1 ? left[node]! : right[node]!;
    } else {
      node = fround(x) < value[node]! ? left[node]! : right[node]!;
    }
  }
  return value[node]!;
}

/**
 * The raw margin of one row: base margin plus one leaf per tree, accumulated in float32 as xgboost
 * does. `features` holds the row at `offset` (default 0); NaN means missing.
 *
 * @example
 * predictMargin(model, row); // -3.68674898147583 for the first reference row of the demo model
 */
export function predictMargin(model: XgboostModel, features: ArrayLike<number>, offset = 0): number {
  let margin = model.baseMargin;
  for (const tree of model.trees) margin = fround(margin + leafValue(tree, features, offset));
  return margin;
}

/** The margin turned into the objective's output (a probability for binary:logistic). */
export function transformMargin(model: XgboostModel, margin: number): number {
  switch (SUPPORTED_OBJECTIVES[model.objective]) {
    case 'sigmoid':
      return fround(1 / (1 + Math.exp(-margin)));
    case 'exp':
      return fround(Math.exp(margin));
    default:
      return margin;
  }
}

/**
 * The prediction xgboost's `booster.predict` gives for one row (probability for binary:logistic,
 * value for reg:squarederror). Row length must be at least `model.featureCount`.
 *
 * @example
 * predictRow(model, row); // 0.024440990760922432 for the first reference row of the demo model
 */
export function predictRow(model: XgboostModel, features: ArrayLike<number>, offset = 0): number {
  return transformMargin(model, predictMargin(model, features, offset));
}

/**
 * Predicts `rowCount` rows laid out one after the other in `features` (row-major, featureCount
 * values each): the layout the model server parses a CSV body into.
 */
export function predictRows(model: XgboostModel, features: Float64Array, rowCount: number): Float64Array {
  if (features.length < rowCount * model.featureCount) {
    throw new InvalidInputError(
      `predictRows: ${features.length} values cannot hold ${rowCount} rows of ${model.featureCount} features`,
    );
  }
  const out = new Float64Array(rowCount);
  for (let row = 0; row < rowCount; row++) out[row] = predictRow(model, features, row * model.featureCount);
  return out;
}
