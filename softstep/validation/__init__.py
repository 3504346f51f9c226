"""Accuracy against ground truth in ../shared/data: one module per data set, one table each.

``softstep validate`` prints every table; the README quotes them.
"""
