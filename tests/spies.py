"""Spies: the real function runs, and every call is recorded, so a test can count work honestly."""


def count_calls(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` for this test by a wrapper that records each call's arguments."""
    calls = []
    real = getattr(module, name)

    def recording(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return calls
