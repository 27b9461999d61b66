class DomainError(Exception):
    """A rule of the domain was broken; the message is Vietnamese and meant for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
