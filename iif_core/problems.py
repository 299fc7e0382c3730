"""Problems found in a user's input, collected so that all of them are reported together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, in words a practice manager understands."""

    file: str
    message: str
    row: int | None = None  # as the user sees it in a spreadsheet: the header is row 1
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + ": " + self.message
        if self.value is not None and self.value not in self.message:
            text += f" (found '{self.value}')"
        return text


class InputError(Exception):
    """Raised with every problem found, so a person can fix them all at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self, limit: int | None = None) -> str:
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [str(p) for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)


class StoreError(InputError):
    """The store cannot be used as asked: busy, not a store, newer than this app, no such batch."""

    def __init__(self, message: str, shown: str = "data store"):
        self.message = message
        super().__init__([Problem(shown, message)])

    def report(self, limit: int | None = None) -> str:
        return self.message


class AccessError(StoreError):
    """A grant that cannot be given, or something the signed-in user may not do; one sentence."""

    def __init__(self, message: str):
        super().__init__(message, shown="access")
