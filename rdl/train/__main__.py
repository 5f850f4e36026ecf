"""``python -m rdl.train`` (what ``torchrun -m rdl.train`` runs): see `rdl.train.launch`."""

import sys

from rdl.train.launch import main

sys.exit(main())
