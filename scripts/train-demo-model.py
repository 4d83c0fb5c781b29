#!/usr/bin/python3
"""Train scaleplan's demo XGBoost models and write their reference predictions.

Run with Debian's python3 (python3-xgboost and python3-sklearn):

    /usr/bin/python3 scripts/train-demo-model.py

Writes, under models/demo/:
  model.json                     binary:logistic classifier (breast cancer set), XGBoost JSON format
  payload.csv                    the sample payload of the benchmark: CSV rows, no header
  reference-features.csv         rows to test an evaluator on (some with missing values, some on split thresholds)
  reference-predictions.csv      xgboost's own predictions for them: "probability,margin" per row
  regression/model.json          a small reg:squarederror model (diabetes set) with a non-default base_score
  regression/reference-features.csv, regression/reference-predictions.csv
  metadata.json                  versions, parameters, sizes (provenance; also in README.md)

Everything is deterministic (fixed seeds); re-running gives the same files for the same xgboost version.
"""

import json
import os
import sys

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.datasets import load_breast_cancer, load_diabetes

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "demo")
SEED = 20260101
# 100 trees of depth 4 on 30 features: small on disk (~250 KB), but each row walks 400 nodes.
CLASSIFIER_PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 4,
    "eta": 0.1,
    "subsample": 0.9,
    "colsample_bytree": 0.8,
    "seed": SEED,
    "tree_method": "hist",
    "eval_metric": "logloss",
}
CLASSIFIER_ROUNDS = 100
TRAINING_MISSING_FRACTION = 0.05
# Rows per request in the sample payload: enough work per request that the server, not HTTP, is the cost.
PAYLOAD_ROWS = 100
REGRESSION_PARAMS = {
    "objective": "reg:squarederror",
    "max_depth": 3,
    "eta": 0.2,
    "seed": SEED,
    "tree_method": "exact",
}
REGRESSION_ROUNDS = 30


def fmt(value):
    """Shortest text that reads back as the same float64 (empty for NaN: a missing value in CSV)."""
    return "" if np.isnan(value) else repr(float(value))


def write_rows(path, rows):
    with open(path, "w", encoding="ascii") as out:
        for row in rows:
            out.write(",".join(fmt(v) for v in row) + "\n")


def with_missing_and_edges(features, rng, booster):
    """Copies of the rows plus rows with missing values and rows that sit exactly on split thresholds."""
    rows = features.copy()
    # 1. Missing values: 1 to 5 random features of 120 rows become NaN (exercises default directions).
    missing = features[rng.choice(len(features), size=120, replace=False)].copy()
    for row in missing:
        row[rng.choice(features.shape[1], size=rng.integers(1, 6), replace=False)] = np.nan
    # 2. A row that is all missing: every tree follows its default directions only.
    all_missing = np.full((1, features.shape[1]), np.nan)
    # 3. Rows whose features equal split conditions exactly (float32): tests the strict "<".
    trees = json.loads(booster.save_raw(raw_format="json"))["learner"]["gradient_booster"]["model"]["trees"]
    edges = features[rng.choice(len(features), size=60, replace=False)].copy()
    for i, row in enumerate(edges):
        tree = trees[i % len(trees)]
        internal = [n for n, left in enumerate(tree["left_children"]) if left != -1]
        node = internal[rng.integers(0, len(internal))]
        row[tree["split_indices"][node]] = float(np.float32(tree["split_conditions"][node]))
    return np.vstack([rows, missing, all_missing, edges])


def write_reference(folder, booster, rows):
    dmatrix = xgb.DMatrix(rows, missing=np.nan)
    predictions = booster.predict(dmatrix)
    margins = booster.predict(dmatrix, output_margin=True)
    write_rows(os.path.join(folder, "reference-features.csv"), rows)
    with open(os.path.join(folder, "reference-predictions.csv"), "w", encoding="ascii") as out:
        for p, m in zip(predictions, margins):
            out.write(f"{float(p)!r},{float(m)!r}\n")
    return predictions


def main():
    rng = np.random.default_rng(SEED)
    os.makedirs(os.path.join(ROOT, "regression"), exist_ok=True)

    cancer = load_breast_cancer()
    x, y = cancer.data, cancer.target
    # Train with 5% of the values missing, so that the trees learn default directions both ways.
    x_train = x.copy()
    x_train[rng.random(x.shape) < TRAINING_MISSING_FRACTION] = np.nan
    classifier = xgb.train(
        CLASSIFIER_PARAMS, xgb.DMatrix(x_train, label=y, missing=np.nan), num_boost_round=CLASSIFIER_ROUNDS
    )
    classifier.save_model(os.path.join(ROOT, "model.json"))
    reference = with_missing_and_edges(x, rng, classifier)
    predictions = write_reference(ROOT, classifier, reference)
    accuracy = float(np.mean((predictions[: len(y)] > 0.5) == y))

    payload = x[rng.choice(len(x), size=PAYLOAD_ROWS, replace=False)].copy()
    payload[::10, 3] = np.nan  # every tenth row misses a feature, as real traffic does
    write_rows(os.path.join(ROOT, "payload.csv"), payload)

    diabetes = load_diabetes()
    rx, ry = diabetes.data, diabetes.target
    regression_params = dict(REGRESSION_PARAMS, base_score=float(np.mean(ry)))
    regressor = xgb.train(regression_params, xgb.DMatrix(rx, label=ry), num_boost_round=REGRESSION_ROUNDS)
    regressor.save_model(os.path.join(ROOT, "regression", "model.json"))
    write_reference(os.path.join(ROOT, "regression"), regressor, with_missing_and_edges(rx, rng, regressor))

    metadata = {
        "generator": "scripts/train-demo-model.py",
        "python": sys.version.split()[0],
        "xgboost": xgb.__version__,
        "scikitLearn": sklearn.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "classifier": {
            "dataset": "sklearn.datasets.load_breast_cancer (569 rows, 30 features)",
            "params": CLASSIFIER_PARAMS,
            "rounds": CLASSIFIER_ROUNDS,
            "trainingMissingFraction": TRAINING_MISSING_FRACTION,
            "trainingAccuracy": accuracy,
            "referenceRows": int(len(reference)),
            "payloadRows": PAYLOAD_ROWS,
        },
        "regression": {
            "dataset": "sklearn.datasets.load_diabetes (442 rows, 10 features)",
            "params": regression_params,
            "rounds": REGRESSION_ROUNDS,
        },
    }
    with open(os.path.join(ROOT, "metadata.json"), "w", encoding="ascii") as out:
        json.dump(metadata, out, indent=2)
        out.write("\n")
    print(json.dumps(metadata, indent=2))


if __name__ == "__main__":
    main()
