"""Passwords and user names: argon2 hashes, strength rules, the name format."""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.models import User
from shanhai.errors import Conflict, Invalid

HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


USERNAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|[_.-](?=[a-z0-9])){1,63}$")  # no trailing or doubled separators
# the most used passwords and keyboard runs (lower case; compared without digits and symbols too)
COMMON_PASSWORDS = frozenset(
    [
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "admin",
        "administrator",
        "root",
        "qwerty",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx",
        "qazwsx",
        "abc123",
        "abcd1234",
        "a1b2c3d4",
        "letmein",
        "welcome",
        "iloveyou",
        "monkey",
        "dragon",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "master",
        "superman",
        "batman",
        "trustno1",
        "shadow",
        "michael",
        "jennifer",
        "changeme",
        "default",
        "guest",
        "test",
        "tester",
        "secret",
        "login",
        "user123",
        "admin123",
        "admin888",
        "root123",
        "woaini",
        "woaini1314",
        "huawei",
        "xiaomi",
        "china",
        "zhongguo",
        "beijing",
        "shanghai",
        "xuzhou",
        "shanhai",
        "aaaaaaaa",
        "11111111",
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "00000000",
        "88888888",
        "66666666",
        "123123123",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "qweasdzxc",
    ]
)


_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "01234567890", "9876543210")


def _beyond_runs(password: str) -> str:
    """What is left of a password without its guessable parts: runs of three or more along the alphabet,
    a keyboard row or the digits (abc, qwer, 1234, 987), and repeats (aaa, 111)."""
    left, i = [], 0
    while i < len(password):
        end = i + 1
        while end < len(password) and (
            password[end] == password[end - 1] or any(password[end - 1 : end + 1] in run for run in _RUNS)
        ):
            end += 1
        if end - i < 3:
            left.append(password[i:end])
        i = end
    return "".join(left)


def check_username_free(*, session: Session, username: str) -> None:
    """Refuse a name that is taken, or that differs from a taken one only by . _ - (admin. beside admin)."""
    skeleton = re.sub(r"[._-]", "", username)
    for taken in session.scalars(select(User.username)):
        if taken == username or re.sub(r"[._-]", "", taken) == skeleton:
            raise Conflict(f"用户名“{username}”已存在或与“{taken}”过于相似", field="username")


def normalise_username(username: str) -> str:
    """NFKC and lower case ("ＡＤＭＩＮ" and "ADMIN" are "admin"); letters a–z, digits, _ . - only, so
    look-alikes from other scripts ("аdmin" with a Cyrillic а) cannot sit beside a real name."""
    name = unicodedata.normalize("NFKC", username).strip().lower()
    if not USERNAME.fullmatch(name):
        raise Invalid(
            "用户名须为 2–64 位小写字母、数字、下划线、点或连字符，并以字母或数字开头", field="username"
        )
    return name


def check_password_strength(password: str, field: str = "password", username: str = "") -> None:
    """Length, not all letters or all digits, not a common password, not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"密码至少 {MIN_PASSWORD_LENGTH} 位", field=field)
    if len(password) > 256:
        raise Invalid("密码不能超过 256 位", field=field)
    if password.isdigit() or password.isalpha():
        raise Invalid("密码须同时包含字母和数字或符号", field=field)
    lowered = password.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    if lowered in COMMON_PASSWORDS or letters in COMMON_PASSWORDS or len(_beyond_runs(lowered)) < 4:
        raise Invalid("密码过于常见或简单，请换一个不易猜到的密码", field=field)
    name = unicodedata.normalize("NFKC", username).strip().lower()
    if len(name) >= 3 and name in lowered:
        raise Invalid("密码不能包含用户名", field=field)
