"""Serving a trained model: predictions for every entity as of a time (`predict_at`,
``rdl predict``), writing them to a file or a database table (`writeback`), and
explanations of a prediction (`explain`, ``rdl explain``)."""

from rdl.serve.predict import predict_at

__all__ = ["predict_at"]
