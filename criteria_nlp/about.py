"""Package metadata, read from the installed distribution (pyproject.toml is the source)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("criteria_nlp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
