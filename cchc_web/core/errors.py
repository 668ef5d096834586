"""The domain error every service raises when a rule refuses an action.

Routes run services through `views.run_action`, which rolls back and shows `message`
(Vietnamese, for the user) next to `field` when given, or as a flash message of `category`
otherwise; nothing is committed when it is raised.
"""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None, *, category: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.category = category


class FieldErrors(DomainError):
    """Several fields refused at once, so that a form shows every problem in one go instead
    of one per attempt. `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)
