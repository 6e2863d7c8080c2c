"""What an audit is of, its subject: a child's case, a worker's supervision file, a carer
household or a meeting. Each is known by a reference from the council's systems, never by a
name; the reference's words are the subject's own ("Worker reference")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Subject = Literal["case", "worker", "household", "meeting"]
SUBJECTS: tuple[Subject, ...] = ("case", "worker", "household", "meeting")
DEFAULT_SUBJECT: Subject = "case"
SUBJECT_MAX_LENGTH = 16

_NAMES: dict[str, str] = {
    "case": "Case",
    "worker": "Worker",
    "household": "Household",
    "meeting": "Meeting",
}
_PLURALS: dict[str, str] = {
    "case": "Case files",
    "worker": "Supervision files",
    "household": "Carer households",
    "meeting": "Meetings",
}


def subject_name(subject: str) -> str:
    """The subject as people read it, e.g. "Worker"."""
    return _NAMES.get(subject, subject.capitalize())


def reference_label(subject: str) -> str:
    """The label of the subject's reference, e.g. "Worker reference"."""
    return f"{subject_name(subject)} reference"


def reference_words(subject: str) -> str:
    """The reference in running text, e.g. "worker reference"."""
    return reference_label(subject).lower()


def subject_heading(subject: str) -> str:
    """The subject's audits as a report's filter names them, e.g. "Supervision files"."""
    return _PLURALS.get(subject, subject_name(subject))


_HINTS: dict[str, str] = {
    "worker": "The worker's reference from the council's staff records, for example W1042. "
    "Never enter the worker's name.",
    "household": "The carer household's reference from the fostering records, for example "
    "H2210. Never enter a carer's name.",
    "meeting": "The meeting's reference from the case management system, for example M5531. "
    "Never enter anyone's name.",
}
_WHAT: dict[str, str] = {
    "worker": "a worker's supervision file",
    "household": "a carer household",
    "meeting": "a meeting",
}


def reference_hint(subject: str) -> str:
    """The hint under a reference of another subject than a case: where it comes from, and
    never a name."""
    return _HINTS.get(subject, "")


def audited_words(subject: str) -> str:
    """What a questionnaire of another subject audits, e.g. "a worker's supervision file"."""
    return _WHAT.get(subject, "a child's case")


def reference_subject(subjects: Mapping[str, str], chosen: str) -> str:
    """Whose reference the start page asks for: the chosen questionnaire's subject; before one
    is chosen, the one subject all the questionnaires share, else a case's."""
    if chosen in subjects:
        return subjects[chosen]
    shared = set(subjects.values())
    return shared.pop() if len(shared) == 1 else DEFAULT_SUBJECT


def labelled_reference(reference: str, subject: str, *, initial: bool = False) -> str:
    """A reference in running text, labelled by its subject: "case 100824", "worker W1042"
    ("Case 100824" with ``initial``)."""
    name = subject_name(subject)
    return f"{name if initial else name.lower()} {reference}"


def table_reference(reference: str, subject: str) -> str:
    """A reference in a table's case column: a case's alone, as ever; another subject's
    labelled, e.g. "Worker W1042"."""
    return (
        reference
        if subject == DEFAULT_SUBJECT
        else labelled_reference(reference, subject, initial=True)
    )
