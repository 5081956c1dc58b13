"""Revert a run from the panel, as ``python -m transformacion.revertir RUN`` does: the inverse built from the run's
checkpoint and evidence (``batch.revert.build_inverse``), run as a run of its own (``batch.run.run_pairs`` with the
inverse catalogue of ``domain.removal``), bound to the reverted run's target; ``--dry-run`` first."""

from __future__ import annotations

from pathlib import Path

from transformacion.batch.checkpoint import Checkpoint
from transformacion.batch.options import NotStarted, Settings
from transformacion.batch.report import Report
from transformacion.batch.revert import NothingToRevert, build_inverse, run_inverse
from transformacion.core.catalog import Catalog, load_catalog
from transformacion.domain.removal import inverse_catalog
from transformacion.panel.jobs import Connect, Job, Jobs


def catalog_of(store: Checkpoint) -> Catalog:
    """The catalogue a run's pairs are looked up in: the inverse one for a revert run, else the product's."""
    kind = (store.meta('pairs') or {}).get('kind')
    return inverse_catalog(load_catalog()) if kind == 'revert' else load_catalog()


def revert_job(jobs: Jobs, folder: Path, settings: Settings, connection: Connect, *, dry_run: bool) -> Job:
    """Start the revert of the run in ``folder`` (a simulation with ``dry_run``) with ``connection`` (the reverted
    run's, ``panel.orgs.run_target``); NotStarted when there is nothing the API can undo or the run cannot be reverted
    (a dry-run). The job's report lists ``no_revertible``: what is left to do by hand in Control Hub (also in
    ``<revert run folder>/no_revertible.json``, ``batch.revert.MANUAL_FILE``)."""
    try:
        inverse, target = build_inverse(folder)
    except NothingToRevert as exc:
        raise NotStarted(str(exc)) from None
    manual = [item.as_dict() for item in inverse.manual]
    if not inverse.pairs:
        raise NotStarted(f'la ejecución {folder.name} no dejó nada que la API pueda deshacer')
    catalog = inverse_catalog(load_catalog())

    def ours(store: Checkpoint) -> bool:
        return (store.meta('pairs') or {}).get('of') == str(folder)

    def work(job: Job) -> Report:
        done = run_inverse(
            inverse,
            target,
            folder,
            settings,
            connection(),
            catalog=catalog,
            dry_run=dry_run,
            log_dir=jobs.log_dir,
            stream=job.stream,
            stop=job.stop,
        )
        job.extra = {'no_revertible': manual, 'reverted_run': folder.name}
        return done

    return jobs.call('revert', work, discover=ours)
