"""The key that signs staff sessions and the invitation, tracking and opt-out links: where it
comes from, and which keys the app refuses to start with.

Whoever knows the key can sign an admin session or an opt-out link for any customer, so outside
development and tests the app does not start on a missing or guessable one. ``make run`` keeps a
generated key in ``instance/secret_key`` (``python -m survey_app.make_key PATH``), which every
process of the demo (web server, job worker, ``flask`` commands) reads.
"""
import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path

# 32 characters of token_hex are 128 bits: out of reach of guessing, and any generated key is longer.
MIN_LENGTH = 32
# The key the app fell back on before it required one: it is in the source history for anyone to read.
KNOWN_KEYS = frozenset({"dev-only-change-me"})
HOW_TO_MAKE = 'python -c "import secrets; print(secrets.token_hex(32))"'


def _development(config) -> bool:
    return bool(config.get("TESTING") or config.get("DEBUG"))


def load(config: MutableMapping) -> None:
    """Take SECRET_KEY from the key file when neither the environment nor the caller set one.

    A development or test app with neither gets a random key for its process: its sessions and
    links end with it, but no key anyone knows signs them.
    """
    if config.get("SECRET_KEY") is None:
        path = Path(config["SECRET_KEY_FILE"])
        if path.is_file():
            config["SECRET_KEY"] = path.read_text().strip()
    if config.get("SECRET_KEY") is None and _development(config):
        config["SECRET_KEY"] = secrets.token_hex(32)


def checked(config) -> str:
    """The configured key, refused outside development and tests when it is missing or weak.

    :raise RuntimeError: with what is wrong and how to make a key (the app does not start).
    """
    key = config.get("SECRET_KEY")
    if _development(config):
        return key
    if not key:
        problem = "no SECRET_KEY is set"
    elif key in KNOWN_KEYS:
        problem = "SECRET_KEY is the old built-in development key, which anyone can read"
    elif len(key) < MIN_LENGTH:
        problem = f"SECRET_KEY is shorter than {MIN_LENGTH} characters"
    else:
        return key
    raise RuntimeError(
        f"The app does not start: {problem}. It signs staff sessions and the invitation and opt-out "
        f"links. Make a key with {HOW_TO_MAKE} and set it in the SECRET_KEY environment variable "
        f"(or write it to {config.get('SECRET_KEY_FILE')})."
    )


def create_key_file(path: Path) -> bool:
    """Write a new random key to ``path``, readable by its owner only; False if it exists already.

    The file is never overwritten: sessions and every link sent out were signed with its key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    return True
