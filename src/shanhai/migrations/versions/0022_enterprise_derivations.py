"""What 企业库's records count towards (enterprises.registers.DERIVATIONS): the cells of these elements'
actual values are kept by the qualification and support registers from now on. Every value of them that
did not come from the records — a report's figure accepted earlier, or one typed by hand — becomes a claim,
keeping its source, and is reconciled on 对账 instead of counted (the demo's 苏科贷 16.44亿元 of 2025, for
one). The derivations as they stand at this revision are listed here, as a migration must not read the code
of a later day.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

from alembic import op

from shanhai.migrations.claims import move_values_into_claims

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORD_KEPT = tuple(
    (code, "actual")
    for code in (
        "TECH_SME_REGISTERED",
        "HNTE_NEW",
        "GAZELLE_FIRMS",
        "UNICORN_CANDIDATES",
        "HNTE_VALID",
        "SUKEDAI_LOANS",
        "SUKEDAI_FIRMS",
        "TECH_LOANS",
        "TECH_AWARDS",
        "SCI_PROJECT_FUNDS",
        "RENT_RELIEF",
    )
)


def upgrade() -> None:
    move_values_into_claims(RECORD_KEPT)
    config = op.get_context().config  # the derived values, from the records, once the schema is the newest
    if config is not None:
        config.attributes["recount"] = True


def downgrade() -> None:
    """The claims stay claims: the release before this one reads them on 对账 as well."""
