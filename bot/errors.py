"""Problems that stop the bot from starting, phrased for the person deploying it."""


class StartupError(Exception):
    """One line for the operator; the process exits non-zero without a traceback."""
