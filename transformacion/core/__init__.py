"""The engine every action and tool builds on: declarations, argument merge, outcomes, evidence, retries,
transport, context and converge, CLI helpers, CSV files, the catalogue. Imports nothing above itself."""
