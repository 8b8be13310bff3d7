"""Logs params, metrics and a tag into the run `keel run` created, with urllib only.

keel run passes the run through MLFLOW_RUN_ID and the server through MLFLOW_TRACKING_URI; this
script calls the REST API directly (runs/log-batch), the way any MLflow client would.
"""
import argparse
import json
import math
import os
import time
import urllib.request


def call(endpoint, body):
    base = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
    request = urllib.request.Request(
        f"{base}/api/2.0/mlflow/{endpoint}",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--steps", type=int, required=True)
    args = parser.parse_args()

    run_id = os.environ["MLFLOW_RUN_ID"]
    if not os.environ.get("MLFLOW_TRACKING_URI", "").startswith(("http://", "https://")):
        raise SystemExit("This example logs over HTTP: run it against a tracking server (--tracking-uri http://...).")

    now = int(time.time() * 1000)
    # An exponentially decaying "loss", one point per step.
    metrics = [
        {"key": "loss", "value": math.exp(-args.alpha * step), "timestamp": now, "step": step}
        for step in range(args.steps)
    ]
    call("runs/log-batch", {
        "run_id": run_id,
        "metrics": metrics,
        "tags": [{"key": "example.label", "value": args.label}],
    })
    print(f"logged {len(metrics)} loss points into run {run_id} (label: {args.label!r})")


if __name__ == "__main__":
    main()
