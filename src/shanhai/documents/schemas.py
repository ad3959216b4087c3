from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    title: str
    publisher: str
    file_name: str | None
    sha256: str | None
    note: str


class SourceRead(BaseModel):
    """A citation: the report, the figure as written, its character span and its sentence's span;
    `sentence` is filled in when the report's text is available to the server."""

    kind: str
    document: DocumentRead | None
    figure_text: str
    start: int | None
    end: int | None
    sentence_start: int | None
    sentence_end: int | None
    sentence: str | None = None
    before: str | None = None  # the sentence up to the figure
    after: str | None = None  # the sentence after the figure
    citation: str
    derived: bool = False  # records add up to the value (its page lists them: /values/{id}/records)
