"""The public surface of claimex, pinned: a name added or lost here is a decision, not an accident."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import claimex

PUBLIC = [
    "AnswerCutOff",
    "AnswerTimeout",
    "Claim",
    "ClaimexError",
    "ClaimsResponse",
    "Document",
    "EmbeddedModelError",
    "Evidence",
    "ExtractedClaim",
    "Extractor",
    "InputError",
    "LocalServer",
    "LocalServerError",
    "ModelClient",
    "ModelError",
    "ModelSettings",
    "Problem",
    "Result",
    "ServerError",
    "ServerUnreachable",
    "SourceIndex",
    "Support",
    "Task",
    "TaskError",
    "TaskResult",
    "__version__",
    "extract",
    "extract_task",
    "load_document",
    "load_task",
    "resolve_settings",
    "reverify",
    "verify_quote",
]


def test_all_is_the_public_surface() -> None:
    assert claimex.__all__ == PUBLIC


def test_every_public_name_is_there_and_says_where_it_lives() -> None:
    for name in PUBLIC:
        member = getattr(claimex, name)
        if name != "__version__":
            assert member.__module__.startswith("claimex."), name
            assert not member.__module__.split(".")[-1].startswith("_"), f"{name} lives in a private module"
    assert set(PUBLIC) <= set(dir(claimex))


def test_the_whole_error_family_is_exported_under_claimex_error() -> None:
    from claimex import errors

    family = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, claimex.ClaimexError)
    }
    assert family <= set(PUBLIC)
    assert issubclass(claimex.AnswerTimeout, claimex.ServerError)
    assert issubclass(claimex.ServerUnreachable, claimex.ModelError)


def test_import_claimex_loads_neither_pydantic_nor_openai() -> None:
    heavy = ("pydantic", "openai", "instructor", "httpx2", "rich", "typer", "rapidfuzz", "pysbd", "jinja2")
    probe = f"import sys, claimex; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Extracter'"):
        claimex.Extracter  # noqa: B018


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("claimex.verify", "claimex.checks.verify"),
        ("claimex.documents", "claimex.text.documents"),
        ("claimex.local_server", "claimex.local.server"),
        ("claimex.ask_sentences", "claimex.strategies.sentences"),
        ("claimex.service_models", "claimex.service.models"),
    ],
)
def test_a_moved_module_keeps_its_old_name_with_a_warning(old: str, new: str) -> None:
    """Until _compat.REMOVAL: the same module object, so a monkeypatch of either is seen by both."""
    import importlib

    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} is now {new}; the old name goes on 2027-06-01"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)


def test_names_of_modules_that_became_packages_still_import() -> None:
    from claimex.checks.verdict import Article
    from claimex.llm.client import ModelClient
    from claimex.strategies.context import ChunkAnswer

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from claimex.checking import Article as OldArticle
        from claimex.checking import ChunkAnswer as OldChunkAnswer

        from claimex.llm import ModelClient as OldModelClient
    assert (OldArticle, OldChunkAnswer, OldModelClient) == (Article, ChunkAnswer, ModelClient)
    assert all(issubclass(warning.category, DeprecationWarning) for warning in caught)
    with pytest.raises(ImportError):
        from claimex.llm import NoSuchThing  # noqa: F401
