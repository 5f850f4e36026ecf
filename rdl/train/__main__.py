"""``python -m rdl.train`` (what ``torchrun -m rdl.train`` runs): see `rdl.scale.launch`."""

import sys

from rdl.scale.launch import main

sys.exit(main())
