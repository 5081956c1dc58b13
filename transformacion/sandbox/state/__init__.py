"""In-memory org state, one module per API area, no HTTP: the rules Webex enforces, applied to plain records."""

from .org import DEFAULT_FIXTURE, Org, load_fixture, timestamp

__all__ = ['DEFAULT_FIXTURE', 'Org', 'load_fixture', 'timestamp']
