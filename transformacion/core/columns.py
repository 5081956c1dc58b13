"""Column profiles: one mechanism that reads a table written for another tool as one of our datasets.

A table is a CSV file or a workbook sheet (``Table``). Its profile says how its columns map to ours: ours (the
identity: nothing renamed), ``legacy_v21`` (the input folder of the v21 scripts), ``control_hub`` (Control Hub's user
CSV) or the operator's own mapping file (``--column-map FILE``); the format is described in ``profiles/README.md``.

- ``load_profile`` reads a profile (by name, or a mapping file); ``profile_problems`` checks it against the catalogue.
- ``discover`` finds the tables of an input folder or workbook (file and sheet names matched ignoring case; two
  files that differ only in case are an error naming both) and the profile of each (``detect`` columns, names).
- ``MappedTable`` reads one table as our columns: header problems (unknown columns, with a "did you mean"), row
  problems (refused values, columns without counterpart that the profile refuses, two source columns disagreeing),
  and the operator's notices (format recognised, each mapped, ignored or normalised column, skipped rows).

Values change only where the profile says it is unambiguous (``Europe / Madrid`` -> ``Europe/Madrid``); everything
else is left to our own typing and validation, which refuse it as for a file of ours. A profile never bypasses a
check: after mapping, a table is validated and run exactly as one of ours.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from transformacion.core.csvfiles import CsvError, column_letter, iter_rows, read_header, unnamed_position
from transformacion.core.params import DATASETS

#: The profiles shipped with the product (``profiles/<name>.json``), tried in this order.
BUILTIN_PROFILES = ('legacy_v21', 'control_hub', 'renombradas')
#: The dataset of the common values (one row), next to ``DATASETS``.
GLOBAL = 'global'
#: The file of the common values, as the launcher names it.
GLOBAL_FILE = 'global.csv'
#: Every dataset a table may be, with its file name.
TABLE_FILES = {GLOBAL: GLOBAL_FILE, **DATASETS}
PROFILE_FORMAT = 1
#: The sheet of a workbook that describes the others (``generar_plantilla``): never a dataset, never a notice.
README_SHEET = 'LEEME'
UNKNOWN_COLUMN = 'columna desconocida'
#: Where the operator finds every column of every action.
CATALOGUE_COMMAND = 'python -m transformacion --format markdown'
_TRUE = {'true', '1', 'si', 'sí', 'yes', 'y', 's', 'x', 'on'}
_BLANKS = re.compile(r'[\s_\-\ufeff]+')
_SPACING = re.compile(r'[\s_]+')
_TEMPLATE = re.compile(r'\{(\d+)(?:\|(lower|upper))?\}')


class ProfileError(ValueError):
    """A profile or mapping file that cannot be used: the message names the file and what is wrong."""


class InputError(ValueError):
    """An input folder or workbook that cannot be read as a batch (case collisions, refused files, two tables for
    one dataset): nothing was validated."""


def header_key(text: str) -> str:
    """A header as profiles compare it: without blanks, BOM, ``_`` and ``-``, ignoring case."""
    return _BLANKS.sub('', text).casefold()


def loose_header(text: str) -> str:
    """A header as our own columns are matched: ignoring case and surrounding blanks, with each run of blanks or
    ``_`` read as one ``_`` (``' First Name '`` and ``FIRST_NAME`` -> ``first_name``)."""
    return _SPACING.sub('_', text.strip()).casefold()


def own_column(header: str, own: set[str] | frozenset[str]) -> str | None:
    """The column of ``own`` that ``header`` names: itself, else the one with the same ``loose_header`` (None when
    there is none, or when two of ``own`` would match)."""
    if header in own:
        return header
    found = [column for column in own if loose_header(column) == loose_header(header)]
    return found[0] if len(found) == 1 else None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + '…'


def _norm_value(text: str) -> str:
    return _BLANKS.sub('', text).casefold()


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class Column:
    """One source column of a profile's file (see profiles/README.md, "Column")."""

    header: str
    to: str | None
    join: bool = False
    value: str | None = None
    also: tuple[tuple[str, str], ...] = ()
    set: tuple[tuple[str, str], ...] = ()
    if_filled: str = 'ignore'
    accept_only: tuple[str, ...] = ()
    check: str | None = None
    pending: str | None = None
    why: str = ''
    note: str = ''
    aliases: tuple[str, ...] = ()


#: The ``org_id`` column a global table of ours may have: the customer organisation of its batch (``batch.orgs``: the
#: run's org when the command names none; a different value than the run's ``--org-id`` / ``WEBEX_ORG_ID`` refuses the
#: batch). It is never a parameter of an action.
ORG_COLUMN = Column(
    'org_id',
    None,
    check='same_org',
    why='la organización del lote: la de la ejecución si no se indica --org-id / WEBEX_ORG_ID; si se indica, debe '
    'coincidir',
)


@dataclass(frozen=True)
class Pattern:
    """Headers that carry data in their name (Control Hub's service columns), matched by regular expression."""

    name: str
    header: re.Pattern[str]
    to: str
    value: str | None = None
    join: bool = False
    one_per_row: bool = False
    why_one_per_row: str = ''
    resolve: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileSpec:
    """One file of a profile: its name (as the other tool spells it), dataset and columns."""

    name: str
    dataset: str | None
    aliases: tuple[str, ...] = ()
    detect: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    skip_when: str | None = None
    skip_why: str = ''
    if_present: str | None = None
    why: str = ''
    pending: str | None = None
    note: str = ''

    def names(self) -> set[str]:
        """The file names that select this spec, case-folded (key and aliases)."""
        return {name.casefold() for name in (self.name, *self.aliases)}

    def stems(self) -> set[str]:
        """The sheet names that select this spec: its file names without ``.csv``, case-folded."""
        return {name.rsplit('.', 1)[0] if name.endswith('.csv') else name for name in self.names()}

    def column(self, header: str) -> Column | None:
        """The column spec of ``header`` (compared with ``header_key``, aliases included), or None."""
        key = header_key(header)
        return next((c for c in self.columns if key in {header_key(h) for h in (c.header, *c.aliases)}), None)

    def detected(self, header: Sequence[str]) -> bool:
        """Whether ``header`` has one of the ``detect`` columns (always True without ``detect``)."""
        if not self.detect:
            return True
        keys = {header_key(h) for h in header}
        return any(header_key(column) in keys for column in self.detect)


@dataclass(frozen=True)
class Rule:
    """A value rule (see profiles/README.md, "Value rule")."""

    name: str
    unambiguous: bool = False
    steps: tuple[Mapping[str, Any], ...] = ()
    map: Mapping[str, str] | None = None
    description: str = ''

    def apply(self, text: str) -> tuple[str, str | None]:
        """(the value, None) or (the cell, why it is refused). A cell no step applies to passes unchanged."""
        cell = text.strip()
        if self.map is not None:
            table = {_norm_value(key): value for key, value in self.map.items()}
            found = table.get(_norm_value(cell))
            if found is None:
                allowed = ', '.join(key for key in self.map if key)
                return cell, f'valor no admitido; use uno de: {allowed}'
            return found, None
        if not self.unambiguous:
            return cell, None
        for step in self.steps:
            match = re.fullmatch(step['fullmatch'], cell) if 'fullmatch' in step else None
            if 'fullmatch' in step and match is None:
                continue
            if 'contains' in step and step['contains'] not in cell:
                continue
            if 'refuse' in step:
                return cell, step['refuse']
            if 'sub' in step:
                pattern, replacement = step['sub']
                return re.sub(pattern, replacement, cell), None
            if 'template' in step and match is not None:
                return _fill(step['template'], match), None
            if 'split' in step:
                items = [item for item in re.split(step['split'], cell) if item]
                if all(re.fullmatch(step['each_fullmatch'], item) for item in items):
                    return step['join'].join(items), None
                return cell, step['else_refuse']
            return cell, None
        return cell, None


def _fill(template: str, match: re.Match[str]) -> str:
    def one(found: re.Match[str]) -> str:
        text = match.group(int(found.group(1))) or ''
        return {'lower': text.lower(), 'upper': text.upper()}.get(found.group(2) or '', text)

    return _TEMPLATE.sub(one, template)


@dataclass(frozen=True)
class Profile:
    """A column-mapping profile: its files, header patterns, value rules and the capabilities still pending.

    ``origin`` is what ``load_profile`` was given (a built-in name or the mapping file's path)."""

    name: str
    title: str
    label: str
    origin: str
    files: tuple[FileSpec, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    values: Mapping[str, Rule] = field(default_factory=dict)
    pending: Mapping[str, str] = field(default_factory=dict)
    builtin: bool = False

    def rule(self, name: str | None) -> Rule | None:
        return self.values.get(name) if name else None

    def pattern_for(self, header: str) -> tuple[Pattern, dict[str, str]] | None:
        """The first pattern matching ``header`` and its named groups, or None."""
        for pattern in self.patterns:
            found = pattern.header.fullmatch(header.strip())
            if found:
                return pattern, {k: v for k, v in found.groupdict().items() if v}
        return None


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value or ())


def _column(header: str, data: Mapping[str, Any], where: str) -> Column:
    if not isinstance(data, Mapping) or 'to' not in data:
        raise ProfileError(f'{where}: la columna {header!r} necesita "to" (una columna nuestra o null)')
    if data['to'] is None and not data.get('why'):
        raise ProfileError(f'{where}: la columna {header!r} no tiene equivalente ("to": null) y le falta "why"')
    if data.get('if_filled', 'ignore') not in ('ignore', 'refuse'):
        raise ProfileError(f'{where}: columna {header!r}: "if_filled" es "ignore" o "refuse"')
    return Column(
        header=header,
        to=data['to'],
        join=bool(data.get('join')),
        value=data.get('value'),
        also=tuple((item['to'], item['when_true']) for item in data.get('also', ())),
        set=tuple((str(k), str(v)) for k, v in (data.get('set') or {}).items()),
        if_filled=data.get('if_filled', 'ignore'),
        accept_only=_tuple(data.get('accept_only')),
        check=data.get('check'),
        pending=data.get('pending'),
        why=data.get('why', ''),
        note=data.get('note', ''),
        aliases=_tuple(data.get('aliases')),
    )


def _file(name: str, data: Mapping[str, Any], where: str) -> FileSpec:
    if not isinstance(data, Mapping) or 'dataset' not in data:
        raise ProfileError(f'{where}: el fichero {name!r} necesita "dataset" ({", ".join(TABLE_FILES)} o null)')
    dataset = data['dataset']
    if dataset is not None and dataset not in TABLE_FILES:
        raise ProfileError(f'{where}: el fichero {name!r} tiene "dataset": {dataset!r}; use {", ".join(TABLE_FILES)}')
    rows = data.get('rows') or {}
    return FileSpec(
        name=name,
        dataset=dataset,
        aliases=_tuple(data.get('aliases')),
        detect=_tuple((data.get('detect') or {}).get('any_column')),
        columns=tuple(_column(h, c, f'{where}: {name}') for h, c in (data.get('columns') or {}).items()),
        skip_when=rows.get('skip_when'),
        skip_why=rows.get('why', ''),
        if_present=data.get('if_present'),
        why=data.get('why', ''),
        pending=data.get('pending'),
        note=data.get('note', ''),
    )


def _pattern(data: Mapping[str, Any], where: str) -> Pattern:
    try:
        header = re.compile(data['header'])
    except (KeyError, re.error) as exc:
        raise ProfileError(
            f'{where}: patrón {data.get("name")!r}: "header" no es una expresión válida ({exc})'
        ) from None
    return Pattern(
        name=data.get('name', data['header']),
        header=header,
        to=data['to'],
        value=data.get('value'),
        join=bool(data.get('join')),
        one_per_row=bool(data.get('one_per_row')),
        why_one_per_row=data.get('why_one_per_row', ''),
        resolve=data.get('resolve') or {},
    )


def parse_profile(data: Mapping[str, Any], origin: str, *, builtin: bool = False) -> Profile:
    """A profile from its JSON document (``origin`` names it in errors). ProfileError when the format is not
    version 1 or a file, column or pattern is malformed."""
    if not isinstance(data, Mapping) or data.get('format') != PROFILE_FORMAT:
        raise ProfileError(f'{origin}: no es un perfil de columnas ("format": {PROFILE_FORMAT} y "files")')
    files = data.get('files')
    if not isinstance(files, Mapping) or not files:
        raise ProfileError(f'{origin}: "files" debe nombrar al menos un fichero')
    name = str(data.get('name') or Path(origin).stem)
    values = {
        rule: Rule(
            name=rule,
            unambiguous=bool(spec.get('unambiguous')),
            steps=tuple(spec.get('steps') or ()),
            map=spec.get('map'),
            description=spec.get('description', ''),
        )
        for rule, spec in (data.get('values') or {}).items()
    }
    return Profile(
        name=name,
        title=str(data.get('title') or name),
        label=str(data.get('label') or data.get('title') or name),
        origin=origin,
        files=tuple(_file(file, spec, origin) for file, spec in files.items()),
        patterns=tuple(_pattern(p, origin) for p in data.get('patterns') or ()),
        values=values,
        pending={key: spec.get('summary', '') for key, spec in (data.get('pending') or {}).items()},
        builtin=builtin,
    )


def load_profile(name_or_path: str | Path) -> Profile:
    """A built-in profile by name (``BUILTIN_PROFILES``) or the operator's mapping file (JSON). ProfileError when
    the file is missing, is not JSON or is not a profile."""
    if str(name_or_path) in BUILTIN_PROFILES:
        text = resources.files('transformacion.core').joinpath('profiles', f'{name_or_path}.json').read_text('utf-8')
        return parse_profile(json.loads(text), str(name_or_path), builtin=True)
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(f'{path}: no existe el fichero de mapeo de columnas')
    try:
        data = json.loads(path.read_text(encoding='utf-8-sig'))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f'{path.name}: no es un JSON válido ({exc})') from None
    return parse_profile(data, str(path))


def builtin_profiles() -> list[Profile]:
    """The profiles shipped with the product, in ``BUILTIN_PROFILES`` order."""
    return [load_profile(name) for name in BUILTIN_PROFILES]


def targets(dataset: str, columns: Mapping[str, set[str]]) -> set[str]:
    """The columns of ours a table of ``dataset`` may carry: its dataset's, or for ``global`` any declared one."""
    if dataset == GLOBAL:
        return set().union(*columns.values())
    return set(columns.get(dataset, ()))


def _foreign(spec: FileSpec, header: Sequence[str], dataset: str, columns: Mapping[str, set[str]]) -> bool:
    """Whether ``header`` has a column that ``spec`` maps and that is not one of ours for ``dataset`` (as
    ``MappedTable`` reads ours: its dataset's columns, matched loosely as ``own_column`` does, and ``org_id`` in a
    global). A table whose columns are all ours
    is ours, never another tool's format, even where that tool spells some columns the same way."""
    own = targets(dataset, columns)
    org = header_key(ORG_COLUMN.header)

    def ours(name: str) -> bool:
        return own_column(name, own) is not None or (dataset == GLOBAL and header_key(name) == org)

    return any(spec.column(name) is not None and not ours(name) for name in header if name)


def profile_problems(profile: Profile, columns: Mapping[str, set[str]]) -> list[str]:
    """What in ``profile`` does not exist: target columns that are not ours for the file's dataset, value rules and
    pending capabilities that the profile does not define, ``also``/``when_true`` naming unknown columns. Empty when
    the profile can be used. ``columns`` are our columns by dataset (``core.catalog.dataset_columns``)."""
    problems: list[str] = []

    def check(where: str, dataset: str | None, to: str | None, value: str | None, pending: str | None) -> None:
        if to is not None and dataset is not None and to not in targets(dataset, columns):
            problems.append(f'{where}: "to": {to!r} no es una columna de {TABLE_FILES.get(dataset, dataset)}')
        if value is not None and value not in profile.values:
            problems.append(f'{where}: "value": {value!r} no es una regla de "values"')
        if pending is not None and pending not in profile.pending:
            problems.append(f'{where}: "pending": {pending!r} no está en "pending"')

    for spec in profile.files:
        if spec.dataset is None and spec.if_present != 'refuse':
            problems.append(f'{spec.name}: un fichero sin dataset debe tener "if_present": "refuse"')
        check(spec.name, spec.dataset, None, None, spec.pending)
        headers = {header_key(c.header) for c in spec.columns}
        for column in spec.columns:
            where = f'{spec.name}: {column.header}'
            check(where, spec.dataset, column.to, column.value, column.pending)
            for to, when in column.also:
                check(where, spec.dataset, to, None, None)
                if header_key(when) not in headers:
                    problems.append(f'{where}: "when_true": {when!r} no es una columna del fichero')
            for to, _ in column.set:
                check(where, spec.dataset, to, None, None)
    datasets = {spec.dataset for spec in profile.files if spec.dataset}
    for pattern in profile.patterns:
        for dataset in datasets:
            check(f'patrón {pattern.name}', dataset, pattern.to, pattern.value, None)
    return problems


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """Where a table is: a CSV file, or a sheet of a workbook."""

    path: str
    sheet: str | None = None

    @property
    def name(self) -> str:
        """The table as messages name it: ``usuarios.csv`` or ``libro.xlsx, hoja usuarios``."""
        if self.sheet is None:
            return Path(self.path).name
        from transformacion.core.workbook import sheet_label

        return sheet_label(self.path, self.sheet)

    def header(self) -> list[str]:
        """The header, trimmed (empty header cells stay ''). CsvError when the table cannot be read."""
        if self.sheet is None:
            return read_header(Path(self.path))
        from transformacion.core.workbook import read_sheet_header

        return read_sheet_header(self.path, self.sheet)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column: trimmed text}) of every non-blank data row; see ``csvfiles.iter_rows``."""
        if self.sheet is None:
            return iter_rows(Path(self.path))
        from transformacion.core.workbook import iter_sheet_rows

        return iter_sheet_rows(self.path, self.sheet)


@dataclass(frozen=True)
class License:
    """A license of the organisation, as service columns resolve against it (``GET /licenses``)."""

    id: str
    name: str
    subscription_id: str | None = None
    site_url: str | None = None


def org_licenses(api: Any, org_id: str | None) -> list[License]:
    """The organisation's licenses (``GET /licenses``) as ``License`` items."""
    return [
        License(lic.license_id, lic.name or '', lic.subscription_id, lic.site_url)
        for lic in api.licenses.list(org_id=org_id)
    ]


def resolve_service(pattern: Pattern, groups: Mapping[str, str], licenses: Sequence[License]) -> License | str:
    """The license a service column's header names (tier, site or service name; within its ``[subscription]``), or
    why none or several match."""
    candidates = list(licenses)
    if groups.get('subscription'):
        candidates = [
            lic for lic in candidates if (lic.subscription_id or '').casefold() == groups['subscription'].casefold()
        ]
    tiers = pattern.resolve.get('tier_license_name') or {}
    if groups.get('tier') and groups['tier'] in tiers:
        found = [lic for lic in candidates if re.search(tiers[groups['tier']], lic.name, re.IGNORECASE)]
    elif groups.get('site'):
        found = [lic for lic in candidates if (lic.site_url or '').casefold() == groups['site'].casefold()]
    else:
        wanted = _norm_value(groups.get('service', ''))
        found = [lic for lic in candidates if _norm_value(lic.name) == wanted]
    if len(found) == 1:
        return found[0]
    names = ', '.join(sorted({f'{lic.name} [{lic.subscription_id}]' for lic in licenses})) or 'ninguna'
    if not found:
        return f'ninguna licencia de la organización corresponde a esta columna; licencias: {names}'
    several = ', '.join(lic.name for lic in found)
    return f'{len(found)} licencias corresponden a esta columna ({several}); licencias: {names}'


@dataclass(frozen=True)
class RowProblem:
    """A problem of one mapped row, named by the source column."""

    column: str
    value: str
    why: str


@dataclass(frozen=True)
class HeaderProblem:
    """A problem of the table's header (an unknown column, a column of another dataset)."""

    column: str
    why: str


@dataclass
class _Entry:
    """How one header position is read."""

    position: int
    header: str
    kind: str  # ours | column | pattern | unknown | unnamed
    to: str = ''  # ours: the column of ours (the header itself, or the one it names loosely)
    column: Column | None = None
    pattern: Pattern | None = None
    groups: dict[str, str] = field(default_factory=dict)


def suggestion(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate closest to ``word`` (same ``header_key`` first, then ``difflib``), or None."""
    keys = {header_key(c): c for c in candidates}
    if header_key(word) in keys:
        return keys[header_key(word)]
    found = difflib.get_close_matches(header_key(word), list(keys), n=1, cutoff=0.75)
    return keys[found[0]] if found else None


class MappedTable:
    """One table read as our columns of ``dataset``, through ``profile``'s ``spec`` (or as ours when None).

    Our own columns are matched ignoring case and surrounding blanks, a run of blanks read as ``_``
    (``loose_header``; one notice per column so matched), except a header with blanks that a built-in profile of the
    dataset reads as another column. ``header_problems`` and ``notices`` are known once built (header only);
    ``suggested`` maps a column of ours to the unknown header whose "did you mean" names it (a missing required
    column is then not reported again per row). ``rows()`` streams the mapped rows
    (row problems included) and adds the notices that need the data (ignored columns that were filled, normalised
    values, skipped rows). ``source_of`` names, for a column of ours, the source column(s) it came from.
    """

    def __init__(
        self,
        table: Table,
        dataset: str,
        columns: Mapping[str, set[str]],
        *,
        profile: Profile | None = None,
        spec: FileSpec | None = None,
        ignore_unknown: bool = False,
        org_id: str | None = None,
        keys: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.table = table
        self.name = table.name
        self.dataset = dataset
        self.profile = profile
        self.spec = spec
        self.org_id = org_id
        self.ours = targets(dataset, columns) - (keys if dataset == GLOBAL else set())
        self.header = table.header()
        self.header_problems: list[HeaderProblem] = []
        self.notices: list[str] = []
        self.skipped: list[int] = []
        self._filled: dict[str, str] = {}
        self._normalised: dict[str, tuple[str, str]] = {}
        self._sources: dict[str, list[str]] = {}
        #: our column -> the unknown header that the "did you mean" of its header problem names it for
        self.suggested: dict[str, str] = {}
        self.entries = [self._entry(i, h) for i, h in enumerate(self.header, start=1)]
        self._header_notices(columns, keys, ignore_unknown)

    @property
    def mapped(self) -> bool:
        """Whether a profile other than ours reads this table."""
        return self.spec is not None

    def _entry(self, position: int, header: str) -> _Entry:
        if not header:
            return _Entry(position, header, 'unnamed')
        if self.spec is not None:
            column = self.spec.column(header)
            if column is not None:
                return _Entry(position, header, 'column', column=column)
        if header in self.ours:
            return _Entry(position, header, 'ours', to=header)
        if self.dataset == GLOBAL and self.spec is None and header_key(header) == header_key(ORG_COLUMN.header):
            return _Entry(position, header, 'column', column=ORG_COLUMN)
        loose = own_column(header, self.ours)
        if loose is not None and not self._profile_says_otherwise(header, loose):
            return _Entry(position, header, 'ours', to=loose)
        if self.profile is not None and self.spec is not None:
            found = self.profile.pattern_for(header)
            if found:
                return _Entry(position, header, 'pattern', pattern=found[0], groups=found[1])
        return _Entry(position, header, 'unknown')

    def _profile_says_otherwise(self, header: str, loose: str) -> bool:
        """Whether a header with blanks (``First Name``) is a column of a built-in profile for this dataset that
        does not go to ``loose`` (Control Hub's ``Preferred Language`` is the person's, not ours): then it is not
        read as ours by its spelling."""
        if not any(ch.isspace() for ch in header):
            return False
        return any(
            column is not None and column.to != loose
            for profile in builtin_profiles()
            for spec in profile.files
            if spec.dataset == self.dataset
            for column in [spec.column(header)]
        )

    def _header_notices(self, columns: Mapping[str, set[str]], keys: set[str] | frozenset[str], ignore: bool) -> None:
        if self.profile is not None and self.spec is not None:
            self.notices.append(f'{self.name}: formato {self.profile.label} reconocido (perfil {self.profile.name})')
        unknown: list[str] = []
        first: dict[str, str] = {}
        for entry in sorted(self.entries, key=lambda e: e.header != e.to):  # exact spellings first
            if entry.kind == 'ours' and first.setdefault(entry.to, entry.header) != entry.header:
                why = f'repetida: {first[entry.to]!r} y {entry.header!r} son la misma columna {entry.to}; deje una'
                self.header_problems.append(HeaderProblem(entry.header, why))
                entry.kind = 'repeated'
        for entry in self.entries:
            target = entry.column.to if entry.column else entry.pattern.to if entry.pattern else None
            if entry.kind == 'ours':
                self._sources.setdefault(entry.to, []).append(entry.header)
                if entry.header != entry.to:
                    self.notices.append(
                        f'{self.name}: columna {entry.header!r} leída como {entry.to} '
                        '(mayúsculas, espacios y _ no cuentan en los nombres de columna)'
                    )
            elif target is not None:
                self._sources.setdefault(target, []).append(entry.header)
                for to, _ in entry.column.also if entry.column else ():
                    self._sources.setdefault(to, []).append(entry.header)
                if entry.kind == 'pattern':
                    what = 'la licencia que nombra la columna, resuelta al ejecutar'
                    self.notices.append(f'{self.name}: {entry.header} -> {target} ({what})')
                elif entry.header != target:
                    self.notices.append(f'{self.name}: {entry.header} -> {target}')
            elif entry.kind == 'unknown':
                if ignore:
                    unknown.append(entry.header)
                else:
                    self.header_problems.append(
                        HeaderProblem(entry.header, self._unknown_why(entry.header, columns, keys))
                    )
        if unknown:
            self.notices.append(
                f'aviso: {self.name}: columnas desconocidas ignoradas (--ignore-unknown-columns): {", ".join(unknown)}'
            )

    def _unknown_why(self, header: str, columns: Mapping[str, set[str]], keys: set[str] | frozenset[str]) -> str:
        if self.dataset == GLOBAL and own_column(header, keys) is not None:
            owners = [TABLE_FILES[d] for d in DATASETS if own_column(header, columns.get(d, set())) is not None]
            return f'es la clave de cada fila: va en {" / ".join(owners)}'
        owners = [
            TABLE_FILES[d]
            for d in DATASETS
            if d != self.dataset and own_column(header, columns.get(d, set())) is not None
        ]
        if owners and self.dataset != GLOBAL:
            return f'la columna pertenece a {" / ".join(owners)}, no a {self.name}'
        candidates = sorted(self.ours) + [c.header for c in (self.spec.columns if self.spec else ())]
        close = suggestion(header, candidates)
        if close in self.ours:
            self.suggested.setdefault(close, header)
        hint = f'; ¿quería decir {close!r}?' if close else ''
        if self.dataset == GLOBAL:
            return f'no es un parámetro declarado de ninguna acción{hint} (vea {CATALOGUE_COMMAND})'
        return f'{UNKNOWN_COLUMN}{hint} (vea {CATALOGUE_COMMAND}, o ignórela con --ignore-unknown-columns)'

    def source_of(self, column: str) -> str:
        """The source column(s) a column of ours came from, as problems name them: ``calling_line_id (main_number)``
        for a mapped one, the column itself for one of ours."""
        sources = self._sources.get(column)
        if not sources or sources == [column]:
            return column
        return f'{" + ".join(dict.fromkeys(sources))} ({column})'

    def value_notices(self) -> list[str]:
        """The notices learnt from the data by ``rows()``: filled columns without counterpart (with why),
        normalised values (with an example) and skipped rows."""
        notices = [f'{self.name}: columna {h} ignorada: {why}' for h, why in self._filled.items()]
        notices += [
            f'{self.name}: {h}: valores normalizados (p. ej. {_short(before)!r} -> {_short(after)!r})'
            for h, (before, after) in self._normalised.items()
        ]
        if self.skipped and self.spec is not None:
            shown = ', '.join(map(str, self.skipped[:10])) + (' …' if len(self.skipped) > 10 else '')
            notices.append(f'{self.name}: {len(self.skipped)} fila(s) omitidas (filas {shown}): {self.spec.skip_why}')
        return notices

    def rows(
        self, licenses: Callable[[], Sequence[License]] | None = None
    ) -> Iterator[tuple[int, dict[str, str], list[RowProblem]]]:
        """(row number, {our column: text}, problems) for every data row (rows the profile skips are left out and
        listed in ``skipped``). Service columns name their license by the header's text until ``licenses`` (the
        organisation's, fetched once when first needed) resolves them to an id. CsvError when the table cannot be
        read."""
        self.skipped = []
        cache: list[Sequence[License]] = []

        def resolved(entry: _Entry) -> str:
            if licenses is None or entry.pattern is None:
                return entry.header
            if not cache:
                cache.append(licenses())
            found = resolve_service(entry.pattern, entry.groups, cache[0])
            return found.id if isinstance(found, License) else f'{entry.header} ({found})'

        for number, raw in self.table.rows():
            values, problems, assigned = self._map_row(raw, resolved)
            if self.spec is not None and self.spec.skip_when == 'no_calling_license' and not assigned:
                self.skipped.append(number)
                continue
            yield number, values, problems

    def _map_row(
        self, raw: Mapping[str, str], resolved: Callable[[_Entry], str]
    ) -> tuple[dict[str, str], list[RowProblem], bool]:
        values: dict[str, str] = {}
        origin: dict[str, str] = {}
        joins: dict[str, list[str]] = {}
        problems: list[RowProblem] = []
        constants: list[tuple[str, str]] = []
        calling = 0
        assigned_by: dict[str, str] = {}

        def assign(to: str, value: str, header: str) -> None:
            if values.get(to, '') not in ('', value):
                why = (
                    f'{origin[to]} y {header} van a la misma columna {to} con valores distintos '
                    f'({values[to]!r} y {value!r}): deje uno o iguálelos'
                )
                problems.append(RowProblem(header, value, why))
                return
            values[to], origin[to] = value, header

        for key, cell in raw.items():
            position = unnamed_position(key)
            if position is not None:
                why = (
                    f'celda con valor en la columna {column_letter(position)}, que no tiene nombre en la cabecera: '
                    'póngale nombre o vacíe la columna'
                )
                problems.append(RowProblem(f'{column_letter(position)} (sin nombre)', cell, why))
        for entry in self.entries:
            cell = raw.get(entry.header, '') if entry.header else ''
            if cell == '':
                continue
            if entry.kind == 'ours':
                if entry.to in joins:
                    joins[entry.to].insert(0, cell)
                else:
                    assign(entry.to, cell, entry.header)
            elif entry.kind == 'column' and entry.column is not None:
                self._column_cell(entry, cell, raw, values, joins, problems, constants, assign)
            elif entry.kind == 'pattern' and entry.pattern is not None:
                pattern = entry.pattern
                rule = self.profile.rule(pattern.value) if self.profile else None
                decision, refusal = rule.apply(cell) if rule else ('assign', None)
                if refusal:
                    problems.append(RowProblem(entry.header, cell, f'{refusal} (TRUE asigna la licencia, FALSE nada)'))
                    continue
                if decision != 'assign':
                    continue
                if pattern.to == 'calling_license':
                    calling += 1
                if pattern.one_per_row and pattern.name in assigned_by:
                    why = f'{assigned_by[pattern.name]} y {entry.header} a TRUE: {pattern.why_one_per_row}'
                    problems.append(RowProblem(entry.header, cell, why))
                    continue
                assigned_by[pattern.name] = entry.header
                value = resolved(entry)
                if pattern.join:
                    joins.setdefault(pattern.to, []).append(value)
                else:
                    assign(pattern.to, value, entry.header)
        for to, items in joins.items():
            values[to] = ';'.join([values[to], *items] if values.get(to) else items)
        for to, constant in constants:
            if values.get(to, '') == '':
                values[to] = constant
        return values, problems, calling > 0

    def _column_cell(
        self,
        entry: _Entry,
        cell: str,
        raw: Mapping[str, str],
        values: dict[str, str],
        joins: dict[str, list[str]],
        problems: list[RowProblem],
        constants: list[tuple[str, str]],
        assign: Callable[[str, str, str], None],
    ) -> None:
        column = entry.column
        assert column is not None
        if column.to is None:
            if column.if_filled == 'refuse':
                pending = f' (pendiente: {column.pending})' if column.pending else ''
                problems.append(RowProblem(entry.header, cell, f'columna sin equivalente{pending}: {column.why}'))
                return
            if column.accept_only and _norm_value(cell) not in {_norm_value(v) for v in column.accept_only}:
                allowed = ', '.join(column.accept_only)
                problems.append(
                    RowProblem(entry.header, cell, f'valor no admitido (se admite {allowed}): {column.why}')
                )
                return
            if column.check == 'same_org' and self.org_id and cell.rstrip('=') != self.org_id.rstrip('='):
                why = f'la organización de esta columna no es la del lote ({self.org_id}, de --org-id o WEBEX_ORG_ID)'
                problems.append(RowProblem(entry.header, cell, why))
                return
            self._filled.setdefault(entry.header, column.why)
            return
        rule = self.profile.rule(column.value) if self.profile else None
        value, refusal = rule.apply(cell) if rule else (cell, None)
        if refusal:
            problems.append(RowProblem(entry.header, cell, refusal))
            return
        if value != cell:
            self._normalised.setdefault(entry.header, (cell, value))
        if column.join:
            if column.to in values and column.to not in joins:
                joins[column.to] = [values.pop(column.to)]
            joins.setdefault(column.to, []).append(value)
        else:
            assign(column.to, value, entry.header)
        for to, when in column.also:
            flag = next((v for h, v in raw.items() if header_key(h) == header_key(when)), '')
            if flag.strip().casefold() in _TRUE:
                assign(to, value, entry.header)
        if column.set:
            constants.extend(column.set)


# --------------------------------------------------------------------------- finding the tables of an input


@dataclass(frozen=True)
class Found:
    """A table of an input and how it is read: its dataset, and the profile (built-in name or mapping file path)
    and file spec that map it (None for ours)."""

    dataset: str
    table: Table
    profile: str | None = None
    file: str | None = None


def _profile_match(
    name: str,
    header: list[str] | None,
    profiles: Sequence[Profile],
    ours: Mapping[str, set[str]],
    *,
    sheet: bool,
    recognised: set[str] | frozenset[str] = frozenset(),
) -> tuple[Profile, FileSpec] | None:
    """The profile and file spec that read a table called ``name`` with ``header``, or None (then it is ours).

    A spec applies when ``name`` is one of its names (without ``.csv`` for a sheet) and its ``detect`` columns are in
    the header; without ``detect``, when its profile was ``recognised`` in another table of the same input (a v21
    folder's ``Global.csv``) or the header has a column of the spec that is not ours. The operator's mapping file
    applies by name alone, and so does a spec without dataset (a file the profile refuses)."""
    folded = name.casefold()
    for profile in profiles:
        for spec in profile.files:
            if folded not in (spec.stems() if sheet else spec.names()):
                continue
            if spec.dataset is None or not profile.builtin:
                return profile, spec
            if header is None:
                continue
            if spec.detect:
                if spec.detected(header):
                    return profile, spec
                continue
            if profile.name in recognised or _foreign(spec, header, spec.dataset, ours):
                return profile, spec
    return None


def _collisions(names: Sequence[str], wanted: set[str]) -> None:
    """InputError naming every pair of ``names`` that differ only in case and would be read (``wanted``)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.casefold(), []).append(name)
    clashes = [sorted(group) for key, group in groups.items() if len(group) > 1 and key in wanted]
    if clashes:
        listed = '; '.join(' y '.join(group) for group in clashes)
        raise InputError(f'ficheros que solo se diferencian en mayúsculas: {listed}; deje uno de cada')


def discover(
    source: str | Path,
    columns: Mapping[str, set[str]],
    *,
    column_map: Profile | None = None,
) -> tuple[dict[str, Found], list[str]]:
    """The tables of an input folder or workbook, by dataset, and the notices about them.

    Folder: ``global.csv``, ``ubicaciones.csv``, ``usuarios.csv``, ``workspaces.csv`` and the files the profiles name
    (``Usuarios.csv``, ``exported_users.csv``, the mapping file's), matched ignoring case. Workbook: one sheet per
    dataset, by dataset name (or a profile's file name without ``.csv``), ignoring case. InputError when the input
    does not exist, two files differ only in case, a file the profile refuses is there (v21 ``results_manual.csv``),
    or two tables are the same dataset."""
    from transformacion.core.workbook import is_workbook, sheet_names

    source = Path(source)
    profiles = ([column_map] if column_map else []) + builtin_profiles()
    ours_by_name = {file.casefold(): dataset for dataset, file in TABLE_FILES.items()}
    sheet = is_workbook(source)
    if sheet:
        try:
            names = sheet_names(source)
        except CsvError as exc:
            raise InputError(str(exc)) from None
        ours_by_name = {dataset: dataset for dataset in TABLE_FILES}
        tables = {name: Table(str(source.resolve()), name) for name in names}
    elif source.is_dir():
        names = sorted(p.name for p in source.iterdir() if p.is_file())
        tables = {name: Table(str((source / name).resolve())) for name in names}
    elif source.exists():
        raise InputError(f'no existe la carpeta {source}: es un fichero que no es un libro de Excel (.xlsx)')
    else:
        raise InputError(f'no existe la carpeta {source}')
    known = set(ours_by_name) | {
        n for p in profiles for spec in p.files for n in (spec.stems() if sheet else spec.names())
    }
    if not sheet:
        _collisions(names, known)
    found: dict[str, Found] = {}
    notices: list[str] = []
    matched_map = False
    headers: dict[str, list[str] | None] = {}
    for name, table in tables.items():
        if name.strip().casefold() in known:
            try:
                headers[name] = table.header()
            except CsvError:
                headers[name] = None
    recognised = {
        match[0].name
        for name, header in headers.items()
        if (match := _profile_match(name.strip(), header, profiles, columns, sheet=sheet)) and match[1].detect
    }
    for name, table in tables.items():
        folded = name.strip().casefold()
        if folded not in known:
            if (sheet and folded != README_SHEET.casefold()) or name.lower().endswith('.csv'):
                what = 'hoja' if sheet else 'fichero'
                datasets = ', '.join(TABLE_FILES.values())
                notices.append(f'aviso: {table.name}: {what} que no es un dataset ({datasets}): se ignora')
            continue
        match = _profile_match(name.strip(), headers[name], profiles, columns, sheet=sheet, recognised=recognised)
        if match is not None:
            profile, spec = match
            matched_map = matched_map or profile is column_map
            if spec.dataset is None:
                pending = f' (pendiente: {spec.pending})' if spec.pending else ''
                raise InputError(f'{table.name}: no se puede usar como entrada{pending}: {spec.why}')
            item = Found(spec.dataset, table, profile.origin, spec.name)
        elif folded in ours_by_name:
            item = Found(ours_by_name[folded], table)
        else:
            notices.append(f'aviso: {table.name}: no tiene las columnas de ningún formato conocido: se ignora')
            continue
        if item.dataset in found:
            other = found[item.dataset].table.name
            raise InputError(f'{other} y {table.name} son los dos {TABLE_FILES[item.dataset]}: deje uno')
        found[item.dataset] = item
    if column_map is not None and not matched_map:
        expected = ', '.join(spec.name for spec in column_map.files)
        raise InputError(
            f'--column-map {column_map.origin}: ningún fichero de {source} es de los que mapea ({expected})'
        )
    return found, notices


def detect(
    table: Table, dataset: str, columns: Mapping[str, set[str]], *, column_map: Profile | None = None
) -> tuple[Profile, FileSpec] | None:
    """The profile reading one table given as ``dataset`` (a single action's or the bulk runner's ``--csv``), or
    None for ours: the mapping file's spec of that name (or its only spec of that dataset), else a built-in spec of
    that dataset whose ``detect`` columns are in the header."""
    name = Path(table.path).name if table.sheet is None else table.sheet
    if column_map is not None:
        specs = [s for s in column_map.files if s.dataset == dataset]
        named = [s for s in specs if name.casefold() in (s.stems() if table.sheet else s.names())]
        if named or len(specs) == 1:
            return column_map, (named or specs)[0]
        raise InputError(
            f'--column-map {column_map.origin}: no dice cómo leer {table.name} como {TABLE_FILES[dataset]} '
            f'(ficheros del mapeo: {", ".join(s.name for s in column_map.files)})'
        )
    header = table.header()
    for profile in builtin_profiles():
        for spec in profile.files:
            if spec.dataset != dataset:
                continue
            if spec.detect and spec.detected(header):
                return profile, spec
            if not spec.detect and _foreign(spec, header, dataset, columns):
                return profile, spec
    return None
