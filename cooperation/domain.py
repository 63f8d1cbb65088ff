"""What every app raises when a rule of the domain refuses a move."""


class DomainError(Exception):
    """A move the domain refuses; the message is shown to the user as it is (Norwegian)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(DomainError):
    """The user may not make this move (the view answers 403)."""
