"""Text encoders (``--text tfidf|minilm``): speed on a 100k-row text column and accuracy
of the vectors, on real English text.

    python benchmarks/text_encoders.py [--rows 100000] [--minilm-rows 5000] [--threads 2]

Corpus: paragraphs of the docstrings of ten installed packages (numpy, pandas, torch,
scikit-learn, scipy, sympy, matplotlib, SQLAlchemy, networkx, PyG), the package being a
label: ~120k paragraphs, median 109 characters, up to 11k. Speed: each encoder
embeds ``--rows`` strings as `rdl.graph.build_graph` does (fit, then encode, progress bar
off), wall and CPU seconds (user + system of this process: on a shared machine the wall
time depends on the other jobs, the CPU time much less; on an idle machine the wall time
is at most the CPU time, and about half of it where the work runs on both cores — MiniLM's
matrix products do, TF-IDF mostly runs on one). MiniLM is timed on ``--minilm-rows``
strings and its 100k figure is extrapolated linearly (it is per-string work), plus its
one-off model load.
Accuracy: a logistic-regression probe (scikit-learn, 5-fold cross-validation) predicting
the package from each encoder's vectors of the same ``--minilm-rows`` strings (TF-IDF
fitted on all ``--rows`` strings, as rdl fits it on the whole column).
"""

from __future__ import annotations

import argparse
import ast
import resource
import time
from pathlib import Path

import numpy as np

PACKAGES = [
    "numpy",
    "pandas",
    "torch",
    "sklearn",
    "scipy",
    "sympy",
    "matplotlib",
    "sqlalchemy",
    "networkx",
    "torch_geometric",
]


def docstring_paragraphs(package: str, limit: int) -> list[str]:
    """Paragraphs (> 40 characters) of the docstrings of an installed package's files."""
    import importlib.util

    root = Path(importlib.util.find_spec(package).origin).parent
    out: list[str] = []
    for p in sorted(root.rglob("*.py")):
        try:
            tree = ast.parse(p.read_text(errors="ignore"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                doc = ast.get_docstring(node)
                for para in (doc or "").split("\n\n"):
                    para = " ".join(para.split())
                    if len(para) > 40:
                        out.append(para)
        if len(out) >= limit:
            break
    return out[:limit]


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn):
    w, c = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - w, cpu_seconds() - c


def probe_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    clf = LogisticRegression(max_iter=2000)
    return float(cross_val_score(clf, x, y, cv=5).mean())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--minilm-rows", type=int, default=5_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip-minilm", action="store_true", help="time TF-IDF only")
    args = p.parse_args()

    import torch

    from rdl.graph.text import CachedTextEmbedder, TfidfTextEncoder

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for pkg in PACKAGES:
        paras = docstring_paragraphs(pkg, 15_000)
        texts += paras
        labels += [pkg] * len(paras)
    order = rng.permutation(len(texts))[: args.rows]
    texts = [texts[i] for i in order]
    labels = np.array([labels[i] for i in order])
    lengths = np.array([len(t) for t in texts])
    print(
        f"corpus: {len(texts):,} strings, {len(set(texts)):,} distinct, length median "
        f"{np.median(lengths):.0f} / mean {lengths.mean():.0f} / max {lengths.max():,} chars; "
        f"torch threads {args.threads}"
    )
    sub = np.arange(min(args.minilm_rows, len(texts)))

    enc = TfidfTextEncoder(progress=False)
    _, w_fit, c_fit = timed(lambda: enc.fit(texts))
    tf, w_enc, c_enc = timed(lambda: enc(texts).numpy())
    rows = [
        (
            "tfidf",
            len(texts),
            w_fit + w_enc,
            c_fit + c_enc,
            0.0,
            0.0,
            tf.shape[1],
            probe_accuracy(tf[sub], labels[sub]),
        )
    ]

    if not args.skip_minilm:
        mini = CachedTextEmbedder(None, progress=False)
        _, w_load, c_load = timed(mini._load_model)
        some = [texts[i] for i in sub]
        mm, w_mm, c_mm = timed(lambda: mini(some).numpy())
        rows.append(
            (
                "minilm",
                len(sub),
                w_mm,
                c_mm,
                w_load,
                c_load,
                mm.shape[1],
                probe_accuracy(mm, labels[sub]),
            )
        )

    print(
        f"\n| encoder | strings timed | wall s | CPU s | strings / CPU s | 100k rows: CPU s "
        f"(+ model load) | dims | probe accuracy ({len(sub):,} strings, 10 classes, "
        "5-fold) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, n, w, c, wl, cl, dim, acc in rows:
        per100k = c * 100_000 / n
        print(
            f"| {name} | {n:,} | {w:.1f} | {c:.1f} | {n / c:,.0f} | {per100k:,.0f}"
            f"{f' (+ {cl:.0f})' if cl else ''} | {dim} | {acc:.3f} |"
        )


if __name__ == "__main__":
    main()
