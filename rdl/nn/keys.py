"""Safe `torch.nn.ModuleDict` keys for table names.

A table named like a `ModuleDict`/`Module` attribute (``items``, ``keys``, ``values``,
``type``, ``training``) or containing a dot cannot be a ModuleDict key
(``KeyError: "attribute 'items' already exists"``). Every per-table module is stored
under ``safe_key(name)`` instead.
"""


def safe_key(name: str) -> str:
    """``"t:" + name`` with dots escaped: never clashes with a Module attribute."""
    return "t:" + str(name).replace(".", "<dot>")
