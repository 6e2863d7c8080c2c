"""Reports and the board's exports: filters, aggregates as pandas frames, charts, CSV and XLSX.

Reports read stored results only (``audit_result``, ``theme_result``, ``compliance_result``): they
never rescore. Aggregation happens in SQL (GROUP BY) and the small results are shaped in pandas,
so the cost grows with the number of groups shown, not with the number of audits.
"""
