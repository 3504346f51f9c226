"""Storage of runner profiles and analysed runs (SQLAlchemy 2 + alembic migrations).

>>> from softstep.store import Store
>>> with Store("sqlite://") as store:       # default: $SOFTSTEP_DB, else the user data folder
...     store.runner("me")
Runner(name='me', height_cm=None, mass_kg=None)
"""

from __future__ import annotations

from softstep.store.db import default_url, mask_url, resolve_url
from softstep.store.store import ImportResult, RunNotFoundError, RunRow, Store

__all__ = [
    "ImportResult",
    "RunNotFoundError",
    "RunRow",
    "Store",
    "default_url",
    "mask_url",
    "resolve_url",
]
