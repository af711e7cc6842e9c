"""binfarm smoke test of the analysis layer: a small round trip through the analysis stack.

PyROOT writes a tree to a ROOT file and reads it back with RDataFrame, pandas and scipy
digest the values, matplotlib (headless backend) draws them. Prints `analysis-ok` on success.
"""
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import ROOT  # noqa: E402
from scipy import stats  # noqa: E402

ROOT.gROOT.SetBatch(True)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "smoke.root")
    ROOT.RDataFrame(5000).Define("x", "gRandom->Gaus(0., 1.)").Snapshot("t", path)
    x = ROOT.RDataFrame("t", path).AsNumpy(["x"])["x"]
    frame = pd.DataFrame({"x": x})
    sigma = float(frame["x"].std())
    _, p = stats.normaltest(frame["x"])
    fig, ax = plt.subplots()
    ax.hist(frame["x"], bins=50)
    png = os.path.join(tmp, "smoke.png")
    fig.savefig(png)
    if len(frame) != 5000 or abs(sigma - 1.0) > 0.1 or os.path.getsize(png) == 0:
        print(f"analysis-fail rows={len(frame)} sigma={sigma:.3f}", file=sys.stderr)
        sys.exit(1)
    print(f"analysis-ok rows={len(frame)} sigma={sigma:.3f} normaltest p={p:.2f} numpy {np.__version__}")
