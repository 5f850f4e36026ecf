"""The walkthroughs in notebooks/ run top to bottom (executed with nbclient)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
#: what the last cell of each notebook shows
LAST_OUTPUT = {
    "quickstart": "prediction",  # predictions for drivers
    "embeddings": "distance",
}  # a driver's nearest neighbours


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("RDL_NOTEBOOK_DIR", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    last = nb.cells[-1]["outputs"][-1]
    assert LAST_OUTPUT[path.stem] in str(last.get("data", {}).get("text/plain", ""))
