"""The README's "Your own task" folder, written from the README itself, loads and runs.

A user copies the folder listing and the files shown after it; this test does the same (the
shortened templates included), loads the task, and runs it on the seed against a scripted model:
the records come back located and checked, as the section promises.
"""

from __future__ import annotations

import re
from pathlib import Path

from claimex.tasks.loading import load_task
from conftest import ROOT
from test_tasks import ScriptedModel, run_task


def readme_task(folder: Path) -> Path:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own task\n", 1)[1].split("Then see what the model will be asked", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    listing = blocks[0][1].splitlines()
    names = [line.split()[0] for line in listing[1:] if line.strip()]
    files = [body for kind, body in blocks[1:] if kind in ("toml", "jinja")]
    assert names == ["task.toml", "system.j2", "user.j2", "sentence_system.j2", "sentence_user.j2"]
    assert len(files) == len(names), "each file of the listing is shown, in its order"
    folder.mkdir()
    for name, body in zip(names, files, strict=True):
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def test_the_readme_s_task_folder_loads_and_its_records_are_proved(tmp_path: Path) -> None:
    task = load_task(readme_task(tmp_path / "my-quotes"))
    assert task.strategies == ("single", "sentences") and task.sentences == "quoted"
    good = {"quote": "des assauts", "speaker": "le président Volodymyr Zelensky"}
    made_up = {
        "quote": "les chars sont entrés dans Minsk hier soir",
        "speaker": "le président Volodymyr Zelensky",
    }
    for strategy in ("single", "sentences"):
        result = run_task(task, ScriptedModel([good, made_up]), strategy=strategy)
        by_quote = {record.fields["quote"]: record for record in result.records}
        assert by_quote["des assauts"].verified
        assert by_quote["des assauts"].evidence["quote"][0].status == "exact"
        assert not by_quote["les chars sont entrés dans Minsk hier soir"].verified
        assert by_quote["les chars sont entrés dans Minsk hier soir"].evidence["quote"][0].status == "missing"
