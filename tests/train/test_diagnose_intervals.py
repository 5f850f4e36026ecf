"""The model warnings speak with their uncertainty: a model level with the best simple
baseline within the 95% intervals is called level, not a loser (control: separate
intervals keep "does not beat"); the "did not learn" warning never fires for a model that
beats the simple baselines on validation (control: one that does not)."""

from __future__ import annotations

from rdl.train.diagnose import model_warnings


def _results(gnn_val, base_val, gnn_iv, base_iv, losses=(0.7,), prior=0.69):
    return {
        "metrics": ["roc_auc"],
        "models": {
            "gnn": {
                "val": {"roc_auc": gnn_val},
                "prior_loss": prior,
                "history": [{"loss": v} for v in losses],
                "intervals": {"val": {"roc_auc": dict(zip(("low", "high"), gnn_iv))}},
            }
        },
        "baselines": {
            "majority": {
                "val": {"roc_auc": base_val},
                "intervals": {"val": {"roc_auc": dict(zip(("low", "high"), base_iv))}},
            }
        },
    }


def test_overlapping_intervals_are_called_level():
    (w, *_) = model_warnings(_results(0.70, 0.72, (0.60, 0.80), (0.62, 0.82)))
    assert "is level with the best simple baseline" in w and "within the noise" in w
    assert "does not beat" not in w


def test_control_separate_intervals_keep_does_not_beat():
    (w, *_) = model_warnings(_results(0.55, 0.80, (0.50, 0.60), (0.75, 0.85)))
    assert "does not beat the best simple baseline" in w


def test_no_did_not_learn_warning_for_a_model_that_beats_the_baselines():
    ws = model_warnings(_results(0.90, 0.60, (0.85, 0.95), (0.55, 0.65), losses=(0.8,)))
    assert not any("never dropped below" in w for w in ws)
    ws = model_warnings(_results(0.60, 0.60, (0.55, 0.65), (0.55, 0.65), losses=(0.8,)))
    assert any("never dropped below" in w for w in ws)  # control: level with the baseline
