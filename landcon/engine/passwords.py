"""Password policy: a minimum length and no common password (NIST SP 800-63B §5.1.1.2).

``COMMON`` is a small built-in list: the most frequent passwords of public leak statistics that are at
least 8 characters long, plus frequent Chinese patterns (拼音, 5201314, phone-like digit runs). Compared
case-insensitively; a password equal to the user name is refused as well.
"""

from __future__ import annotations

COMMON = frozenset(
    """
    12345678 123456789 1234567890 0123456789 87654321 987654321 11111111 111111111 00000000 88888888
    66666666 99999999 12341234 11223344 12121212 123123123 147258369 123456abc 1qaz2wsx 1q2w3e4r
    1q2w3e4r5t qwertyui qwertyuiop asdfghjk asdfghjkl zxcvbnm123 qazwsxedc password password1
    password123 passw0rd p@ssw0rd p@ssword iloveyou iloveyou1 sunshine princess football baseball
    superman trustno1 welcome1 welcome123 abc12345 abcd1234 a1234567 a12345678 aa123456 aa12345678
    qq123456 q1w2e3r4 admin123 admin1234 administrator root1234 changeme letmein1 monkey123 dragon123
    master123 starwars computer internet whatever woaini1314 woaini520 5201314520 13145201314
    1314520520 520131400 wang123456 zhang123456 li123456 woaini123 iloveyou520 asd123456 zxc123456
    qwe123456 abc123456 a123456789 123456aa 123456qq 123456789a 5211314a landcon123 landcon2024
    """.split()
)


def problem(password: str, *, username: str = "", min_length: int = 8) -> str | None:
    """Why ``password`` is not acceptable (Chinese, for the user), or ``None``."""
    if len(password) < min_length:
        return f"密码至少 {min_length} 位"
    if password.lower() in COMMON:
        return "密码过于常见，请换一个"
    if username and password.lower() == username.lower():
        return "密码不能与用户名相同"
    return None
