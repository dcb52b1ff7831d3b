import sys

from dcc_portal.cli import main

sys.exit(main())
