"""Quota ledgers (增减挂钩节余/周转指标, 补充耕地指标) and 入市 records: posting, balances, history, check.

Every posting is one source document, built into balanced lines by ``engine.ledger`` and written in
one audited transaction. The accounts it touches are locked first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite transactions are ``BEGIN IMMEDIATE``), balances are summed from the entries
inside that lock, and the engine refuses any line that would take a holding account below zero —
so two users spending the last quota at the same moment get one success and one "余额不足".

Quota is created only from records whose areas the engine computed: 周转指标 and 拆旧复垦 from a
项目区 of the project's submitted (approved) plan, 补充耕地指标 from its 可用于占补平衡 indicators
once the project has passed 验收.

The package, by concern: ``rules`` (ledger rules, stages), ``parsing`` (dates, kinds), ``_accounts``
(units, accounts, balances under lock), ``_posting`` (writing one document), ``areas`` (what the engine
computed: 项目区 and 补充耕地), use cases ``issue``, ``use``, ``transfer``, ``batch``, read models
``views``, the integrity ``check`` and 入市 (``market``). Callers use ``from landcon.services import
ledger`` and the names below.
"""

from landcon.engine import ledger as L
from landcon.services.ledger._posting import Doc, Prepared
from landcon.services.ledger.areas import farmland_quantity, project_areas
from landcon.services.ledger.batch import BATCH_COLUMNS, BATCH_TYPES, post_file, post_many
from landcon.services.ledger.check import check
from landcon.services.ledger.issue import correct, correct_farmland, issue_farmland, issue_revolving, reclaim
from landcon.services.ledger.market import MARKET_MODES, market_add, market_list
from landcon.services.ledger.parsing import parse_date
from landcon.services.ledger.rules import (
    BUCKETS,
    DOC_TYPES,
    FARMLAND_CLASSES,
    KINDS,
    M2_PER_MU,
    TRADABLE_KINDS,
    InsufficientBalance,
    LedgerRefused,
    load_rules,
)
from landcon.services.ledger.transfer import transfer
from landcon.services.ledger.use import freeze, use
from landcon.services.ledger.views import balance, history, revolving, transfers
from landcon.services.ledger_amounts import m2_from_mu, occupied_qty, parse_number, parse_optional, stated_qty

__all__ = [
    "BATCH_COLUMNS",
    "BATCH_TYPES",
    "BUCKETS",
    "DOC_TYPES",
    "FARMLAND_CLASSES",
    "KINDS",
    "M2_PER_MU",
    "MARKET_MODES",
    "TRADABLE_KINDS",
    "Doc",
    "InsufficientBalance",
    "L",
    "LedgerRefused",
    "Prepared",
    "balance",
    "check",
    "correct",
    "correct_farmland",
    "farmland_quantity",
    "freeze",
    "history",
    "issue_farmland",
    "issue_revolving",
    "load_rules",
    "m2_from_mu",
    "market_add",
    "market_list",
    "occupied_qty",
    "parse_date",
    "parse_number",
    "parse_optional",
    "post_file",
    "post_many",
    "project_areas",
    "reclaim",
    "revolving",
    "stated_qty",
    "transfer",
    "transfers",
    "use",
]
