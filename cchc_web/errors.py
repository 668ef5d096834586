"""The domain error every service raises when a rule refuses an action.

Routes catch it and show `message` (Vietnamese, for the user) next to `field` when given,
or as a flash message otherwise; nothing is committed when it is raised.
"""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
