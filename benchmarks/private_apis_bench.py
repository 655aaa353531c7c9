"""What claimex's uses of instructor's and openai's private parts buy, per model answer, in CPU time.

Two ways to ask for one structured answer, both without a network (the server is an in-memory
transport that answers at once with a recorded answer of the embedded model):

* the public way: `instructor.patch(client.chat.completions.create)(response_model=M, ...)`,
  through the OpenAI client and its HTTP client;
* claimex's way: the request prepared once per schema with instructor's handlers
  (`llm/structured.py`, `llm/_private_instructor.py`) and posted straight to the transport
  (`llm/wire.py`, `llm/_private_openai.py`, `llm/_private_httpx.py`).

Both send the same bytes (tests/test_llm.py checks it) and parse the same answer; the figure is
the CPU time per answer of each, measured in one run, and their ratio.

    python benchmarks/private_apis_bench.py [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import httpx2
import instructor
import openai
import yaml  # type: ignore[import-untyped]

from claimex.llm.structured import encode_body, request_body, structured_call
from claimex.llm.wire import Endpoint, completion_of
from claimex.pipeline import claims_task
from claimex.strategies.prompting import extraction_messages
from claimex.strategies.single import bounded

ROOT = Path(__file__).resolve().parents[1]
CASSETTE = ROOT / "cassettes" / "test_pipeline" / "test_seed_article_gives_claims_with_honest_statuses.yaml"
SEED = ROOT / "seeds" / "000_a74d49738eea9ff9.txt"


def recorded_answer() -> bytes:
    """The embedded model's recorded answer for the seed: a realistic size (several claims)."""
    interactions = yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"]
    return interactions[0]["response"]["body"]["string"].encode()


def transport(answer: bytes) -> httpx2.MockTransport:
    return httpx2.MockTransport(
        lambda request: httpx2.Response(200, content=answer, headers={"content-type": "application/json"})
    )


def cpu_per_call(call: Any, calls: int) -> float:
    for _ in range(20):  # warm: every schema and handler built, every import done
        call()
    start = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000, help="answers asked for, each way")
    args = parser.parse_args()

    answer = recorded_answer()
    messages = extraction_messages(claims_task().templates, SEED.read_text(encoding="utf-8"), max_claims=8)
    _, schema = bounded(8)  # the answer's schema without the validator that needs an article
    params = {"model": "qwen2.5-coder-1.5b-instruct", "temperature": 0.0, "max_tokens": 1500}
    extra_body = {"repeat_penalty": 1.15}

    http = httpx2.Client(transport=transport(answer))
    sdk = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0, http_client=http)
    patched = instructor.patch(create=sdk.chat.completions.create, mode=instructor.Mode.TOOLS)

    def public() -> Any:
        return patched(
            response_model=schema, messages=messages, extra_body=extra_body, max_retries=0, **params
        )

    prepared = structured_call(schema, "tools")
    endpoint = Endpoint.of(sdk, http, 300.0)

    class Settings:
        base_url = "http://127.0.0.1:9/v1"

    def claimex_way() -> Any:
        request = prepared.request(messages, extra_body=extra_body, **params)
        response = endpoint.post(encode_body(request_body(request)))
        return prepared.parse(completion_of(response, Settings))  # type: ignore[arg-type]

    def prepared_through_sdk() -> Any:
        request = prepared.request(messages, extra_body=extra_body, **params)
        return prepared.parse(sdk.chat.completions.create(**request))

    assert json.loads(public().model_dump_json()) == json.loads(claimex_way().model_dump_json())
    assert json.loads(prepared_through_sdk().model_dump_json()) == json.loads(claimex_way().model_dump_json())
    public_cpu = cpu_per_call(public, args.calls)
    middle_cpu = cpu_per_call(prepared_through_sdk, args.calls)
    claimex_cpu = cpu_per_call(claimex_way, args.calls)
    print(f"answer: {len(answer):,} bytes, {len(claimex_way().claims)} claims; {args.calls} calls each way")
    print(f"{'path':40} {'CPU ms / answer':>16}")
    print(f"{'instructor.patch + OpenAI client':40} {public_cpu * 1000:16.3f}")
    print(f"{'prepared once (instructor), OpenAI client':40} {middle_cpu * 1000:16.3f}")
    print(f"{'prepared once, posted to the transport':40} {claimex_cpu * 1000:16.3f}")
    print(
        f"instructor's internals save {(public_cpu - middle_cpu) * 1000:.3f} ms an answer, "
        f"openai's and httpx's {(middle_cpu - claimex_cpu) * 1000:.3f} ms; "
        f"public / claimex: {public_cpu / claimex_cpu:.1f}x"
    )


if __name__ == "__main__":
    main()
