"""Text encoders (``--text tfidf|minilm|none``): the choice, TF-IDF + SVD vectors, fitting
only on the rows the statistics come from, reuse of fitted encoders, truncation and
progress bars. MiniLM itself is stubbed (loading it takes ~13 s)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import torch

from rdl.db import Database, Table, infer_stypes
from rdl.graph import build_graph
from rdl.graph.text import (
    CHUNK,
    DEFAULT_TEXT,
    MINILM_MAX_CHARS,
    TFIDF_DIM,
    CachedTextEmbedder,
    TfidfTextEncoder,
    text_encoder_name,
)
from rdl.train import TrainConfig
from tests.fixtures.shops import CustomerChurn, churn_shop

WORDS = [
    "engine",
    "tyre",
    "brake",
    "wing",
    "driver",
    "pit",
    "lap",
    "race",
    "fuel",
    "gear",
    "crash",
    "podium",
    "rain",
    "dry",
    "grid",
    "pole",
    "flag",
    "team",
    "car",
    "track",
]


def _sentences(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, 6)) for _ in range(n)]


def test_encoder_names():
    assert text_encoder_name(True) == "minilm"
    assert text_encoder_name(False) == "none" and text_encoder_name(None) == "none"
    assert text_encoder_name("TFIDF") == "tfidf"
    with pytest.raises(ValueError, match=r"text encoder 'bert': use one of \['minilm', 'tfidf'"):
        text_encoder_name("bert")
    assert TrainConfig(text=True).text == "minilm"
    assert TrainConfig(text=False).text == "none"
    assert TrainConfig().text == DEFAULT_TEXT
    with pytest.raises(ValueError, match="minilm"):
        TrainConfig(text="glove")


def test_tfidf_vectors():
    docs = _sentences(300) + ["", "zzz unknownword"]
    enc = TfidfTextEncoder().fit(docs[:300])
    x = enc(docs)
    assert x.shape == (302, TFIDF_DIM) and x.dtype == torch.float32
    norms = x.norm(dim=1)
    assert torch.allclose(norms[:300], torch.ones(300), atol=1e-5)
    assert norms[300] == 0 and norms[301] == 0  # nothing known: a zero row
    # equal strings, equal vectors; a second fit on the same strings, the same vectors
    again = TfidfTextEncoder().fit(list(reversed(docs[:300])))(docs)
    assert torch.allclose(x, again, atol=1e-5)
    assert torch.equal(enc([docs[5], docs[5]])[0], enc([docs[5]])[0])
    # similar texts are closer than unrelated ones
    a, b, c = enc(["engine brake gear", "engine brake gear crash", "rain flag podium"])
    assert (a @ b) > (a @ c)


def test_tfidf_degenerate_columns():
    assert TfidfTextEncoder().fit(["", "", ""])(["", "x"]).abs().sum() == 0
    one = TfidfTextEncoder().fit(["alpha", "alpha beta"])(["alpha", "beta"])
    assert one.shape == (2, TFIDF_DIM) and torch.isfinite(one).all()


def _text_db(extra: list[str] | None = None) -> Database:
    """posts (time column ``ts``, text ``body``); ``extra`` rows are dated 2021."""
    body = _sentences(120)
    ts = list(pd.date_range("2020-01-01", periods=120, freq="D"))
    for i, s in enumerate(extra or []):
        body.append(s)
        ts.append(pd.Timestamp("2021-01-01") + pd.Timedelta(days=i))
    posts = pd.DataFrame(
        {
            "post_id": range(len(body)),
            "body": body,
            "ts": ts,
            "likes": np.arange(len(body), dtype=float),
        }
    )
    st = infer_stypes(posts, exclude=["post_id"])
    st["body"] = "text_embedded"
    return Database({"posts": Table(posts, {}, "post_id", "ts", st)})


def _body(g) -> torch.Tensor:
    import torch_frame

    tf = g.tf_dict["posts"]
    return tf.feat_dict[torch_frame.stype.embedding].values


def test_graph_with_tfidf_and_cache_keys(tmp_path):
    db = _text_db()
    g = build_graph(db, text="tfidf", cache_dir=tmp_path, progress=False)
    assert _body(g).shape == (120, TFIDF_DIM)
    assert set(g.text_encoders) == {"posts.body"}
    keys = {
        build_graph(db, text=t, cache_dir=tmp_path, use_cache=False, progress=False).key
        for t in ("tfidf", "none")
    }
    keys.add(g.key)
    assert len(keys) == 2  # the encoder is part of the graph's cache key
    none = build_graph(db, text="none", cache_dir=tmp_path, progress=False)
    assert "body" not in sum(none.tf_dict["posts"].col_names_dict.values(), [])
    cached = build_graph(db, text="tfidf", cache_dir=tmp_path, progress=False)
    assert cached.info["cached"] and set(cached.text_encoders) == {"posts.body"}


def test_tfidf_is_fitted_on_rows_up_to_stats_until_only(tmp_path):
    later = ["quantum entanglement topology"] * 60  # words that only appear in 2021
    cut = "2020-12-31"
    base = build_graph(_text_db(), text="tfidf", stats_until=cut, use_cache=False, progress=False)
    with_later = build_graph(
        _text_db(later), text="tfidf", stats_until=cut, use_cache=False, progress=False
    )
    assert torch.equal(_body(base), _body(with_later)[:120])
    assert _body(with_later)[120:].abs().sum() == 0  # unknown words: zero vectors
    # control: fitted on every row, the later words change the earlier rows' vectors
    everything = build_graph(_text_db(later), text="tfidf", use_cache=False, progress=False)
    assert not torch.allclose(_body(base), _body(everything)[:120], atol=1e-4)


def test_fitted_encoders_are_reused(tmp_path):
    g = build_graph(_text_db(), text="tfidf", use_cache=False, progress=False)
    other = _text_db(["pit lap race", "wing gear"])
    refit = build_graph(other, text="tfidf", use_cache=False, progress=False)
    reused = build_graph(
        other,
        text="tfidf",
        use_cache=False,
        progress=False,
        col_stats=g.col_stats,
        text_encoders=g.text_encoders,
    )
    assert torch.equal(_body(reused)[:120], _body(g))
    assert not torch.allclose(_body(refit)[:120], _body(g), atol=1e-4)


class _Stub:
    def __init__(self):
        self.seen: list[str] = []

    def encode(self, sentences, **_):
        self.seen += sentences
        out = []
        for s in sentences:
            seed = int.from_bytes(hashlib.sha256(s.encode()).digest()[:4], "little")
            v = torch.from_numpy(np.random.default_rng(seed).standard_normal(384)).float()
            out.append(v / v.norm())
        return torch.stack(out)


def test_minilm_truncates_and_shows_progress(monkeypatch, capsys):
    stub = _Stub()
    monkeypatch.setattr(CachedTextEmbedder, "_load_model", lambda self: stub)
    emb = CachedTextEmbedder(None, label="posts.body")
    long = "word " * 5000
    texts = [f"text {i}" for i in range(CHUNK + 10)] + [long]
    out = emb(texts)
    assert out.shape == (len(texts), 384)
    assert max(len(s) for s in stub.seen) == MINILM_MAX_CHARS
    err = capsys.readouterr().err
    assert "text posts.body" in err and f"/{len(texts)} " in err


def test_graph_build_progress_bars(capsys):
    rows = CHUNK + 100
    words = _sentences(rows, seed=1)
    posts = pd.DataFrame(
        {
            "post_id": range(rows),
            "body": words,
            "ts": pd.Timestamp("2020-01-01") + pd.to_timedelta(range(rows), "h"),
        }
    )
    st = infer_stypes(posts, exclude=["post_id"])
    st["body"] = "text_embedded"
    db = Database({"posts": Table(posts, {}, "post_id", "ts", st)})
    build_graph(db, text="tfidf", use_cache=False)
    err = capsys.readouterr().err
    assert "graph" in err and "text posts.body" in err
    build_graph(db, text="tfidf", use_cache=False, progress=False)
    assert capsys.readouterr().err == ""


def test_a_trained_model_keeps_its_tfidf_encoders(tmp_path, monkeypatch):
    from rdl.serve import predict_at
    from rdl.train import train_task

    db = churn_shop()
    cust = db["customers"]
    df = cust.df.assign(
        note=[
            f"likes {WORDS[i % len(WORDS)]} and {WORDS[(3 * i) % len(WORDS)]}"
            for i in range(len(cust.df))
        ]
    )
    st = {**cust.stypes, "note": "text_embedded"}
    db = Database({**dict(db.items()), "customers": Table(df, {}, "customer_id", None, st)})
    cfg = TrainConfig(
        epochs=1,
        channels=8,
        encoder_layers=1,
        num_neighbors=[4, 2],
        text="tfidf",
        max_steps_per_epoch=2,
    )
    train_task(
        db,
        CustomerChurn,
        cfg,
        tmp_path / "run",
        baselines=False,
        progress=False,
        cache_dir=tmp_path / "cache",
    )
    ckpt = torch.load(tmp_path / "run" / "model.pt", weights_only=False)
    assert set(ckpt["text_encoders"]) == {"customers.note"}

    def no_refit(self, sentences):
        raise AssertionError("predict_at refitted a text encoder")

    monkeypatch.setattr(TfidfTextEncoder, "fit", no_refit)
    out = predict_at(tmp_path / "run", db, "2021-06-01", cache_dir=tmp_path / "cache")
    assert len(out) == len(df) and out["prediction"].between(0, 1).all()
    with pytest.raises(AssertionError, match="refitted"):  # control: a new graph fits anew
        build_graph(db, text="tfidf", use_cache=False, progress=False)
