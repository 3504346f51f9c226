"""Accuracy against ground truth in ../shared/data: one module per data set, one table each.

``softstep validate`` prints every table; the README quotes them.
"""

import numpy as np


def nearest_within(reference_s: np.ndarray, detected_s: np.ndarray, window_s: float) -> np.ndarray:
    """Index of the detection nearest each reference time, or -1 when none lies within
    ``window_s``. ``detected_s`` must be ascending; a detection may serve two references.

    >>> nearest_within(np.array([1.0, 2.0, 3.0]), np.array([1.01, 2.2]), 0.05).tolist()
    [0, -1, -1]
    """
    if not len(detected_s):
        return np.full(len(reference_s), -1)
    j = np.clip(np.searchsorted(detected_s, reference_s), 1, max(len(detected_s) - 1, 1))
    if len(detected_s) > 1:
        left, right = np.abs(detected_s[j - 1] - reference_s), np.abs(detected_s[j] - reference_s)
        j = np.where(left <= right, j - 1, j)
    else:
        j = np.zeros(len(reference_s), dtype=int)
    return np.where(np.abs(detected_s[j] - reference_s) <= window_s, j, -1)
