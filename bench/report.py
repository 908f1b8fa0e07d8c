#!/usr/bin/env python3
"""Print the medians of the last `cargo bench --bench workload`, per member and as a
ratio to the hand-written SQL query (read from criterion's target/criterion/workload).

    python3 bench/report.py [TARGET_DIR]
"""
import json
import os
import sys

BENCHES = ["sql", "rust_loop", "playbook_run", "playbook_segments"]


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target")
    base = os.path.join(target, "criterion", "workload")
    rows = {}
    for name in BENCHES:
        d = os.path.join(base, name, "new")
        with open(os.path.join(d, "estimates.json")) as f:
            est = json.load(f)
        with open(os.path.join(d, "benchmark.json")) as f:
            meta = json.load(f)
        members = meta["throughput"]["Elements"]
        m = est["median"]
        rows[name] = (m["point_estimate"], m["confidence_interval"]["lower_bound"],
                      m["confidence_interval"]["upper_bound"], members)
    sql = rows["sql"][0]
    print("| bench | median | 95% CI of median | ns/member | × sql |")
    print("|---|---|---|---|---|")
    for name in BENCHES:
        med, lo, hi, members = rows[name]
        print("| %s | %.0f ms | %.0f – %.0f ms | %.0f | %.2f |" % (
            name, med / 1e6, lo / 1e6, hi / 1e6, med / members, med / sql))


if __name__ == "__main__":
    main()
