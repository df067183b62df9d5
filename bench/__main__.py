"""`python -m bench [--sizes …] [--smoke] [--only …] [--out …] [--reseed] [--duration S] [--var-root DIR]`."""
import sys

from .runner import main

sys.exit(main())
