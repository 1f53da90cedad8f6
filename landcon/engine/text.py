"""Recognising Chinese text that went through the wrong decoder (mojibake) — one home for the rule.

GBK bytes read as Latin-1 turn 水田 into ``Ë®Ìï``; undecodable bytes become U+FFFD; C1 control
characters appear when Windows code pages are confused. A value is flagged when it contains
U+FFFD or a C1 control, or two Latin-1 supplement letters in a row *and no Chinese character at
all* — so ``阿卜杜拉·某某`` (a middle dot in a Uyghur or Dai name) and ``25°`` stay valid.
UTF-8 read as GBK yields real but meaningless Chinese (水田 → 姘寸敯); only the DLMC ≠ name(DLBM)
check of the validator can catch that.
"""

from __future__ import annotations

import re

import pandas as pd

BAD_CHARS = "[\ufffd\x80-\x9f]"
LATIN1_RUN = "[\u00a1-\u00ff]{2}"
CJK = "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff]"

_BAD = re.compile(BAD_CHARS)
_RUN = re.compile(LATIN1_RUN)
_CJK = re.compile(CJK)


def looks_garbled(value: str) -> bool:
    """True when ``value`` looks like text decoded with the wrong encoding."""
    if _BAD.search(value):
        return True
    return bool(_RUN.search(value)) and not _CJK.search(value)


def garbled_mask(values: pd.Series) -> pd.Series:
    """``looks_garbled`` over a Series (missing values → False). Attribute columns repeat few
    distinct values, so the rule runs once per distinct non-ASCII value."""
    distinct = values.dropna().unique()
    bad = [v for v in distinct if isinstance(v, str) and not v.isascii() and looks_garbled(v)]
    return values.isin(bad).fillna(False).astype(bool)
