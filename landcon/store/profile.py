"""Loading the province profile: packaged defaults, an optional profile file, the ledger-rules file.

Order (a later source overrides an earlier one, value by value):

1. the engine's built-in values (rule packs, ``LedgerRules``, realloc ``Params``, ``engine.tiankan``);
2. the packaged profile ``landcon/data/profiles/yunnan.yaml``;
3. the YAML file named by ``LANDCON_PROFILE`` (any of the same keys; docs/profile.md);
4. for the quota-ledger rule values, the YAML file named by ``LANDCON_LEDGER_RULES``.

Rule packs, approval chains and ledger-rule files are read here too (``read_rule_pack``,
``read_chain``, ``read_ledger_rules``), so a file named on the command line and one named in a
profile are read the same way. Every error names the file.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from landcon import config
from landcon import data as packaged
from landcon.engine import ledger as L
from landcon.engine import workflow as wf
from landcon.engine.acceptance_rules import AcceptanceRules
from landcon.engine.acceptance_rules import rules_from_dict as acceptance_rules_from_dict
from landcon.engine.profile import BUILT_IN, AdminUnit, Profile, admin_units_from_rows, supervision_from_dict
from landcon.engine.publicity import PublicitySettings
from landcon.engine.publicity import settings_from_dict as publicity_settings_from_dict
from landcon.engine.realloc.params import Params, params_from_dict
from landcon.engine.rules.packs import PACKS, resolve
from landcon.errors import InputReadError, InvalidRecord

KEYS = frozenset(
    {"name", "province", "reference_units", "rule_pack", "chain", "ledger_rules", "realloc"}
    | {"supervision", "acceptance"}
    | {"publicity"}
)
"""Keys of a profile file."""


def _yaml(text: str, where: str, error: type[InvalidRecord] | type[InputReadError], what: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{what}不是有效的 YAML：{exc}", path=where) from exc


def _file_text(path: Path, error: type[InvalidRecord] | type[InputReadError], what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{what}无法读取：{exc.strerror or exc}", path=str(path)) from exc


# Rule packs, chains, ledger rules (also named directly by users) ---------------------------------


def read_rule_pack(name_or_path: str, base: Path | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    """A rule pack by name (national, yunnan) or from a YAML file (``extends`` + ``rules``)."""
    if name_or_path in PACKS:
        return name_or_path, resolve(name_or_path)
    path = _relative(name_or_path, base)
    if not path.is_file():
        raise InputReadError(
            f"规则包不存在：应为 {'、'.join(PACKS)} 或 YAML 文件 / unknown rule pack", path=name_or_path
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return str(path), resolve(str(data.get("extends", "national")), data.get("rules") or {})
    except (yaml.YAMLError, KeyError, AttributeError, ValueError, TypeError) as exc:
        raise InputReadError(f"规则包无法读取：{exc}", path=str(path)) from exc


def read_chain(name_or_path: str, base: Path | None = None) -> wf.Chain:
    """A built-in chain (``yunnan``, ``national``) or a YAML/JSON chain file (docs/records.md)."""
    if name_or_path in wf.CHAINS:
        return wf.CHAINS[name_or_path]
    path = _relative(name_or_path, base)
    if not path.is_file():
        raise InvalidRecord(
            f"审批链 {name_or_path} 不存在；内置：{'、'.join(wf.CHAINS)}，或给出 YAML 文件", path=str(path)
        )
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        return wf.Chain.from_dict(data)
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise InvalidRecord(f"审批链文件无效：{error}", path=str(path)) from error


def read_ledger_rules(path: Path) -> dict[str, Any]:
    """The values of a quota-ledger rules file (``LANDCON_LEDGER_RULES``; keys of ``LedgerRules``)."""
    data = _yaml(_file_text(path, InvalidRecord, "台账规则文件"), str(path), InvalidRecord, "台账规则文件") or {}
    if not isinstance(data, Mapping):
        raise InvalidRecord("台账规则文件无法使用：应为“规则项: 值”的表", path=str(path))
    return dict(data)


def _relative(name: str, base: Path | None) -> Path:
    """A file named in a profile is relative to the profile's folder; one given by a user, to the cwd."""
    path = Path(name)
    return path if base is None or path.is_absolute() else base / path


# The profile ----------------------------------------------------------------------------------


class _Layer:
    """One profile file: its values and how to name it as a source."""

    def __init__(self, values: Mapping[str, Any], source: str, folder: Path | None) -> None:
        unknown = set(values) - KEYS
        if unknown:
            raise InvalidRecord(f"档案配置文件有未知键 {', '.join(sorted(map(str, unknown)))}", path=source)
        self.values, self.source, self.folder = values, source, folder


def _packaged_layer() -> _Layer:
    where = packaged.location(packaged.DEFAULT_PROFILE)
    values = _yaml(packaged.text(packaged.DEFAULT_PROFILE), where, InvalidRecord, "档案配置文件") or {}
    return _Layer(values, f"默认档案 {where}", None)


def _file_layer(path: Path) -> _Layer:
    values = _yaml(_file_text(path, InvalidRecord, "档案配置文件"), str(path), InvalidRecord, "档案配置文件") or {}
    if not isinstance(values, Mapping):
        raise InvalidRecord("档案配置文件应为“键: 值”的表", path=str(path))
    return _Layer(values, f"LANDCON_PROFILE={path}", path.parent)


def _units(name: str, layer: _Layer) -> tuple[AdminUnit, ...]:
    if layer.folder is None or packaged.exists(name):
        return packaged.admin_units(name)
    path = _relative(name, layer.folder)
    rows = csv.DictReader(_file_text(path, InvalidRecord, "参考行政单位表").splitlines())
    try:
        return admin_units_from_rows(rows)
    except ValueError as exc:
        raise InvalidRecord(f"参考行政单位表无效：{exc}", path=str(path)) from exc


def load_profile() -> Profile:
    """The effective profile (see the module docstring for the order of sources)."""
    layers = [_packaged_layer()]
    profile_file = config.profile_file()
    if profile_file is not None:
        layers.append(_file_layer(profile_file))
    values: dict[str, Any] = {}
    sources: dict[str, str] = {
        "ledger_rules": f"{BUILT_IN} landcon/engine/ledger.py（LedgerRules）",
        "realloc": f"{BUILT_IN} landcon/engine/realloc/params.py（Params）",
        "tiankan_table": f"{BUILT_IN} landcon/engine/tiankan.py（DEFAULT_TABLE）",
        "supervision": f"{BUILT_IN} landcon/engine/profile.py（SupervisionSettings）",
    }
    where: dict[str, _Layer] = {}
    ledger: dict[str, Any] = {}
    realloc: dict[str, Any] = {}
    supervision: dict[str, Any] = {}
    tables = {"ledger_rules": ledger, "realloc": realloc, "supervision": supervision}
    for layer in layers:
        for key, value in layer.values.items():
            if key in tables:
                target = tables[key]
                if not isinstance(value, Mapping):
                    raise InvalidRecord(f"档案配置 {key} 应为“键: 值”的表", path=layer.source)
                target.update(value)
                sources.update({f"{key}.{k}": layer.source for k in value})
            elif key == "province":
                if not isinstance(value, Mapping) or set(value) - {"code", "name"}:
                    raise InvalidRecord("档案配置 province 应为 {code: 省级代码, name: 省名}", path=layer.source)
                values.update({f"province_{k}": str(v) for k, v in value.items()})
                sources.update({f"province_{k}": layer.source for k in value})
            else:
                values[key] = value
                sources[key] = layer.source
            where[key] = layer
    ledger_file = config.ledger_rules_file()
    if ledger_file is not None:
        overrides = read_ledger_rules(ledger_file)
        ledger.update(overrides)
        sources.update({f"ledger_rules.{k}": f"LANDCON_LEDGER_RULES={ledger_file}" for k in overrides})
    try:
        ledger_rules = L.rules_from_dict(ledger)
    except (ValueError, TypeError) as error:
        raise InvalidRecord(
            f"台账规则无法使用：{error}", path=str(ledger_file or where["ledger_rules"].source)
        ) from error
    try:
        params: Params = params_from_dict(realloc)
    except (ValueError, TypeError, AttributeError) as error:
        raise InvalidRecord(f"权属调整默认参数无效：{error}", path=where["realloc"].source) from error
    try:
        supervision_settings = supervision_from_dict(supervision)
    except (ValueError, TypeError) as error:
        raise InvalidRecord(
            f"档案配置 supervision 无效：{error}", path=where.get("supervision", layers[0]).source
        ) from error
    pack = values.get("rule_pack", "yunnan")
    if isinstance(pack, Mapping):  # inline: {extends: …, rules: {…}}
        try:
            pack_name, rules = (
                f"{pack.get('extends', 'national')}（档案内覆盖）",
                resolve(str(pack.get("extends", "national")), pack.get("rules") or {}),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise InvalidRecord(f"档案配置 rule_pack 无效：{error}", path=where["rule_pack"].source) from error
    else:
        pack_name, rules = read_rule_pack(str(pack), where["rule_pack"].folder if "rule_pack" in where else None)
    if pack not in PACKS:  # a pack file or inline overrides: the 田坎系数 table may come from it
        sources["tiankan_table"] = sources["rules"] = f"规则包 {pack_name}"
    chain_value = values.get("chain", "yunnan")
    if isinstance(chain_value, Mapping):
        try:
            chain = wf.Chain.from_dict(chain_value)
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidRecord(f"档案配置 chain 无效：{error}", path=where["chain"].source) from error
    else:
        chain = read_chain(str(chain_value), where["chain"].folder if "chain" in where else None)
    units_name = str(values.get("reference_units", packaged.YUNNAN_UNITS))
    units = _units(units_name, where.get("reference_units", layers[0]))
    try:
        return Profile(
            name=str(values.get("name", "")),
            province_code=str(values.get("province_code", "")),
            province_name=str(values.get("province_name", "")),
            units=units,
            rule_pack=pack_name,
            rules=MappingProxyType(rules),
            chain=chain,
            ledger_rules=ledger_rules,
            realloc=params,
            sources=MappingProxyType(sources),
            supervision=supervision_settings,
            acceptance=_acceptance(values, where, sources),
            publicity=_publicity(values, where, sources),
        )
    except ValueError as error:
        raise InvalidRecord(f"档案配置无效：{error}", path=layers[-1].source) from error


def file_stamps() -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every file the profile reads from settings: a change means reload."""
    stamps = []
    for path in (config.profile_file(), config.ledger_rules_file()):
        if path is None:
            continue
        try:
            stat = path.stat()
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((str(path), -1, -1))
    return tuple(stamps)


# The acceptance section ----------------------------------------------------------------------


def _acceptance(values: Mapping[str, Any], where: Mapping[str, _Layer], sources: dict[str, str]) -> AcceptanceRules:
    """The ``acceptance`` section (keys of ``AcceptanceRules``; a file's section replaces the one
    before it, keys it leaves out keep the built-in values)."""
    section = values.get("acceptance") or {}
    source = where["acceptance"].source if "acceptance" in where else BUILT_IN
    if not isinstance(section, Mapping):
        raise InvalidRecord("档案配置 acceptance 应为“键: 值”的表", path=source)
    try:
        rules = acceptance_rules_from_dict(section)
    except (ValueError, TypeError) as error:
        raise InvalidRecord(f"验收规则无法使用：{error}", path=source) from error
    sources.setdefault("acceptance", f"{BUILT_IN} landcon/engine/acceptance_rules.py（AcceptanceRules）")
    sources.update({f"acceptance.{k}": source for k in section})
    return rules


def _publicity(values: Mapping[str, Any], where: Mapping[str, _Layer], sources: dict[str, str]) -> PublicitySettings:
    """The ``publicity`` section (``min_days``, ``min_days_by_kind``; a file's section replaces the one
    before it, keys it leaves out keep the built-in values)."""
    section = values.get("publicity") or {}
    source = where["publicity"].source if "publicity" in where else BUILT_IN
    if not isinstance(section, Mapping):
        raise InvalidRecord("档案配置 publicity 应为“键: 值”的表", path=source)
    try:
        settings = publicity_settings_from_dict(section)
    except (ValueError, TypeError) as error:
        raise InvalidRecord(f"档案配置 publicity 无效：{error}", path=source) from error
    sources.setdefault("publicity", f"{BUILT_IN} landcon/engine/publicity.py（PublicitySettings）")
    sources.update({f"publicity.{k}": source for k in section})
    return settings


__all__ = ["KEYS", "file_stamps", "load_profile", "read_chain", "read_ledger_rules", "read_rule_pack"]
