"""The key step of ``make run``: ``python -m survey_app.make_key PATH`` writes a new SECRET_KEY to
PATH unless the file exists. It builds no app, which would refuse to start without the key."""
import sys
from pathlib import Path

from .services.platform.secret_key import create_key_file

if __name__ == "__main__":
    target = Path(sys.argv[1])
    if create_key_file(target):
        print(f"Made a new SECRET_KEY in {target}.")
