"""Reports for people: ``text.print_report`` (terminal) and ``html.write_html`` (one file).

Both take a ``FileAnalysis`` and show the same figures through ``report.format``.
"""
