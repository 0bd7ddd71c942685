#!/usr/bin/env python3
"""What an ML pipeline does with the feature registry, with the Python standard library only.

1. register the features it produces (once; a second run finds them),
2. publish a new version of one of them (each run is a new release of the pipeline's code),
3. push the day's values from a CSV file (idempotent: the same rows again write nothing),
4. fetch a point-in-time training set for the labels it trains on,
5. record which model used which feature versions.

    python3 docs/examples/pipeline.py --base-url http://localhost:5080 [--api-key KEY] [--out training.csv]

The API key comes from --api-key, else REGISTRY_API_KEY, else the development key a local API keeps in
.data/dev-api-key at the repository root (so the command above works as written against `dotnet run`).
Every failure prints the registry's problem document
(RFC 9457: title, detail, and the invalid fields) and exits with status 1.
"""

import argparse
import csv
import io
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Where `dotnet run --project backend/src/Registry.Api` keeps the key it generates in Development.
DEV_KEY_FILE = HERE.parent.parent / ".data" / "dev-api-key"


def default_api_key():
    """REGISTRY_API_KEY, else the local development key, else None (the API then answers 401 saying what to send)."""
    if os.environ.get("REGISTRY_API_KEY"):
        return os.environ["REGISTRY_API_KEY"]
    try:
        return DEV_KEY_FILE.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class RegistryError(Exception):
    def __init__(self, status, problem):
        super().__init__(f"{status} {problem.get('title', '')} {problem.get('detail', '')}".strip())
        self.status = status
        self.problem = problem


class Registry:
    """A thin client: JSON in, JSON (or text) out, problem documents raised as RegistryError."""

    def __init__(self, base_url, api_key=None):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.api_key = api_key

    def call(self, method, path, body=None, content_type="application/json", accept="application/json"):
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", accept)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if self.api_key:
            request.add_header("X-API-Key", self.api_key)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
                if accept == "application/json":
                    return json.loads(text) if text else None
                return text
        except urllib.error.HTTPError as error:
            raw = error.read().decode(errors="replace")
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"title": error.reason, "detail": raw[:500]}
            raise RegistryError(error.code, problem) from None


def ensure_feature(registry, definition):
    """Registers the feature, or reads it when an earlier run already did (409)."""
    try:
        created = registry.call("POST", "/features", definition)
        print(f"registered {created['feature_name']} {created['current_version']}")
        return created
    except RegistryError as error:
        if error.status != 409:
            raise
        existing = registry.call("GET", f"/features/{definition['feature_name']}")
        print(f"found {existing['feature_name']} {existing['current_version']}")
        return existing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("REGISTRY_URL", "http://localhost:5080"))
    parser.add_argument("--api-key", default=default_api_key(), help="default: REGISTRY_API_KEY, else .data/dev-api-key")
    parser.add_argument("--values", default=str(HERE / "daily_close.csv"), help="CSV with entity_id,event_ts,value")
    parser.add_argument("--out", default=None, help="where to write the training set as CSV (default: print a summary only)")
    args = parser.parse_args()
    registry = Registry(args.base_url, args.api_key)

    # 1. The features this pipeline owns. The return is derived from the close: declared upstream, so lineage knows.
    ensure_feature(registry, {
        "feature_name": "example_daily_close",
        "feature_type": "raw",
        "data_type": "float",
        "owner": "example-pipeline",
        "entity": "instrument_id",
        "description": "Daily close price, from docs/examples/daily_close.csv",
        "tags": ["example", "price"],
        "validation_rules": [{"rule_type": "range", "parameters": {"min": 0}, "is_blocking": True}],
    })
    ensure_feature(registry, {
        "feature_name": "example_return_1d",
        "feature_type": "derived",
        "data_type": "float",
        "owner": "example-pipeline",
        "entity": "instrument_id",
        "description": "One-day simple return of the close",
        "upstream_features": ["example_daily_close"],
    })

    # 2. A new release of the close's code: a minor version (the server picks the number).
    published = registry.call("POST", "/features/example_daily_close/versions", {
        "bump": "minor",
        "changelog": "Pipeline release: adjusted closes.",
        "created_by": "example-pipeline",
    })
    close_version = published["version"]["version"]
    print(f"published example_daily_close {close_version}")

    # 3. The values: the CSV as is, then the returns computed from it, as JSON.
    with open(args.values, "rb") as f:
        raw = f.read()
    ingest = registry.call("POST", "/features/example_daily_close/values", raw, content_type="text/csv")
    print(f"close: {ingest['rows_received']} rows received, {ingest['rows_written']} written, {ingest['rows_unchanged']} unchanged")

    by_entity = {}
    for row in csv.DictReader(io.StringIO(raw.decode())):
        by_entity.setdefault(row["entity_id"], []).append((row["event_ts"], float(row["value"])))
    returns = []
    for entity, series in by_entity.items():
        series.sort()
        for (_, previous), (ts, close) in zip(series, series[1:]):
            returns.append({"entity_id": entity, "event_ts": ts, "value": round(close / previous - 1, 6)})
    ingest = registry.call("POST", "/features/example_return_1d/values", {"rows": returns})
    print(f"return: {ingest['rows_received']} rows received, {ingest['rows_written']} written")

    # 4. A point-in-time training set: for each label, the values known at its instant, never later ones.
    labels = [{"entity_id": entity, "ts": ts} for entity, series in sorted(by_entity.items()) for ts, _ in series[2:]]
    training_csv = registry.call("POST", "/training-sets?format=csv", {
        "features": [f"example_daily_close@{close_version}", "example_return_1d"],
        "rows": labels,
        "max_staleness": {"example_daily_close": "P4D"},
    }, accept="text/csv")
    rows = list(csv.DictReader(io.StringIO(training_csv)))
    if len(rows) != len(labels) or any(not r["example_daily_close"] for r in rows):
        print(f"unexpected training set: {len(rows)} rows for {len(labels)} labels", file=sys.stderr)
        return 1
    print(f"training set: {len(rows)} rows x {len(rows[0]) - 2} features")
    if args.out:
        Path(args.out).write_text(training_csv)
        print(f"written to {args.out}")

    # 5. Which model trained on which feature versions: feeds usage statistics and impact analysis.
    usage = registry.call("POST", "/features/usage/batch", {"records": [
        {"feature_name": "example_daily_close", "feature_version": close_version, "used_by_model": "example_momentum_model",
         "model_version": "1.0.0", "environment": "dev", "feature_importance": 0.62, "execution_id": "example-run"},
        {"feature_name": "example_return_1d", "feature_version": "1.0.0", "used_by_model": "example_momentum_model",
         "model_version": "1.0.0", "environment": "dev", "feature_importance": 0.38, "execution_id": "example-run"},
    ]})
    print(f"recorded {len(usage['records'])} usage records")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RegistryError as error:
        print(f"registry refused: {error}", file=sys.stderr)
        print(json.dumps(error.problem, indent=2), file=sys.stderr)
        sys.exit(1)
    except urllib.error.URLError as error:
        print(f"cannot reach the registry: {error.reason}", file=sys.stderr)
        sys.exit(1)
