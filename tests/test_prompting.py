from __future__ import annotations

from claimex.pipeline import claims_task
from claimex.strategies.prompting import extraction_messages, reask_message


def test_article_reaches_the_model_untouched_even_with_template_syntax() -> None:
    article = "Le {{ chiffre }} et {% if x %} restent tels quels : « 50.000 »."
    system, user = extraction_messages(claims_task().templates, article, max_claims=5)
    assert system["role"] == "system" and user["role"] == "user"
    assert article in user["content"]
    assert "at most 5 claims" in system["content"]
    assert "auraient été tués" in system["content"], "the hedging rule names the French conditional"
    assert "Exemple (français)" in system["content"] and "Example (English)" in system["content"]


def test_context_header_for_a_part_of_a_longer_article() -> None:
    _, user = extraction_messages(claims_task().templates, "suite", context_header="Titre\nPremières lignes")
    assert user["content"].index("Premières lignes") < user["content"].index("suite")


def test_reask_message_names_each_missing_quote() -> None:
    message = reask_message(["au moins 31 soldats", ""])
    assert '- "au moins 31 soldats"' in message and '- ""' in message
    assert "do not state their claim" not in message


def test_reask_message_names_what_the_quotes_fail_to_state() -> None:
    message = reask_message([], ["Claim 2 says 30; quote the passage of the article that says 30."])
    assert "not in the article" not in message
    assert "- Claim 2 says 30; quote the passage of the article that says 30." in message
