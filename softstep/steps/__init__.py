"""Step detectors: a source's raw samples -> the Steps table (STEP_COLUMNS, one row per contact).

Each module holds the detectors of one sensor family; ``pipeline.DETECTORS`` picks one per
source and placement. Every detector is a pure function of arrays and returns
``model.conform(table, STEP_COLUMNS)``.
"""
