"""The problem and action texts of the single-table checks (one pair per check)."""

from __future__ import annotations

from llkit.data.io.raw import META_FILE, RawTable
from llkit.data.schema.spec import _BOOL_DEFAULTS

#: What to do about personal identifiers.
PSEUDONYMIZE_ACTION = (
    "pseudonymise the ids first: `llkit pseudonymize IN OUT --key-file KEY` replaces them "
    "with a keyed hash that is stable across rounds; keep the key file safe and validate OUT"
)


def _message(t: RawTable, col: str | None, check: str,
             rounds: list[str] | None) -> tuple[str, str]:
    table = t.name
    sep_hint = ("a decimal comma (3,5)" if t.decimal_comma else "a decimal point (3.5)")
    if check == "not_nullable":
        return (f"empty {col}", f"every row of {table} needs a {col}: fill it in, or delete the "
                "row if it is not needed")
    if check == "field_uniqueness":
        return (f"duplicate {col}", f"give each row its own {col}, or delete the duplicate row")
    if check == "cpr":
        return (f"{col} looks like a CPR number (a personal identifier)", PSEUDONYMIZE_ACTION)
    if check == "number":
        return (f"{col} is not a number",
                f"write a number with {sep_hint}, or leave the cell empty")
    if check == "nonneg":
        return (f"{col} is not a number of at least 0", f"write a number ≥ 0 with {sep_hint}")
    if check == "posint":
        return (f"{col} must be a whole number of at least 1",
                "write a whole number such as 2 (or leave it empty for the default 1)")
    if check == "count":
        return (f"{col} must be a whole number of at least 0",
                "write the number of persons, e.g. 1250")
    if check == "year":
        return (f"{col} is not a year", "write the year as a four-digit number, e.g. 2019")
    if check == "date":
        return (f"{col} is not a date", "write dates as YYYY-MM-DD (2019-05-31), DD-MM-YYYY or "
                "DD.MM.YYYY")
    if check == "boolean":
        default = "true" if _BOOL_DEFAULTS.get(col or "", False) else "false"
        return (f"{col} is not a yes/no value",
                f"write true or false (also ja/nej, yes/no, sand/falsk, 1/0); empty means {default}")
    if check == "subject":
        return ("subject must be child, respondent or department",
                "write child (a score describes a child), respondent (a person answering about "
                "their own work, e.g. a staff survey) or department (a rating of the department, "
                "e.g. an observation)")
    if check == "round":
        known = ", ".join(rounds or [])
        return (f"round is not one of the rounds in {META_FILE} ({known})",
                f"use one of {known}, or add the round to rounds in {META_FILE} (in time order)")
    return (f"{col}: check {check} failed", "correct the value")
