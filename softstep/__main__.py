"""``python -m softstep`` is the ``softstep`` command."""

from softstep.cli import main

main()
