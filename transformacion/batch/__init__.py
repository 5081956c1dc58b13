"""Resumable batches over the actions: validate every CSV row against the declarations first, then run chunk by chunk
with one shared SDK client and rate controller, row retries, chunk/job timeouts and a SQLite checkpoint per
row x action. The engine of ``launcher_csv_dependencias`` and ``bulk_runner``.

Modules: ``options`` (what to run and how, the shared command-line options), ``checkpoint`` (the SQLite state, the
only module with SQL), ``validation``, ``execution`` (threads, chunks, retries, timeouts, the stop), ``target`` (who
and where: the org and token owner a run is bound to), ``report`` (results, summary, table, failures by reason,
result object) and ``run`` (start / continue a run, the shared command, Ctrl-C). It imports ``core`` only and
reaches the actions through ``core.catalog``.
"""
