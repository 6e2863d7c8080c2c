"""The pure core: the questionnaire format and the scoring engine.

Nothing in this package performs I/O or imports Flask or SQLModel, so that a grade can be
checked by hand and tested without an application (a test enforces the rule).
"""
