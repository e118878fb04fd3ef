#!/usr/bin/env bash
# Finance figures against numpy-financial in the same run: IRR and NPV of the 360-period series
# of the reference vectors (numpy_financial.irr / .npv, median of timed calls) and our Decimal
# code (criterion medians), plus the 25-year PPP model and a 30-year monthly model.
#   bash benches/finance.sh
# Installs numpy and numpy-financial into a throwaway virtualenv (pip, from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d /tmp/ppp-finance-bench.XXXXXX)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet numpy==2.4.6 numpy-financial==1.0.0

numpy_ns=$("$venv/bin/python" - <<'PY'
import json, statistics, time
from decimal import Decimal
import numpy_financial as npf
cases = json.load(open("tests/data/finance-vectors.json"))["cases"]
flows = [float(Decimal(v)) for v in next(c for c in cases if c["id"] == "irr_monthly_360")["inputs"]["values"]]
def median_ns(fn, calls, rounds=3):
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(calls):
            start = time.perf_counter_ns(); fn(); times.append(time.perf_counter_ns() - start)
        medians.append(statistics.median(times))
    return statistics.median(medians)
print(int(median_ns(lambda: npf.irr(flows), 15)), int(median_ns(lambda: npf.npv(0.005, flows), 20000)))
PY
)
read -r np_irr np_npv <<<"$numpy_ns"

cargo bench --quiet --bench finance -- --warm-up-time 2 --measurement-time 5 >/dev/null
median() { python3 -c "import json,sys; print(json.load(open('target/criterion/$1/new/estimates.json'))['median']['point_estimate'])"; }
irr=$(median irr_360); npv=$(median npv_360); m25=$(median model_25y); m30=$(median model_30y_monthly)

python3 - "$np_irr" "$np_npv" "$irr" "$npv" "$m25" "$m30" <<'PY'
import sys
np_irr, np_npv, irr, npv, m25, m30 = map(float, sys.argv[1:])
def t(ns): return f"{ns/1e6:.3f} ms" if ns >= 1e5 else f"{ns/1e3:.1f} µs"
print(f"| figure (360-period series) | ours (Decimal) | numpy-financial 1.0 (f64) | ratio |")
print(f"|---|---|---|---|")
print(f"| IRR, every root | {t(irr)} | {t(np_irr)} (np.roots) | {np_irr/irr:.0f}× faster |")
print(f"| NPV at 0.5 % | {t(npv)} | {t(np_npv)} | {np_npv/npv:.2f}× |")
print(f"| 25-year PPP model, every output | {t(m25)} | — | goal < 1 ms |")
print(f"| 30-year monthly model, every output | {t(m30)} | — | goal < 5 ms |")
PY
