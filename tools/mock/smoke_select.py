"""Autoselect, classification and bag-of-words checks of aisbf-mock, run by
smoke_test.py (which starts the binary); they reuse its HTTP helpers."""
import json
import math
import re

from smoke_test import assert_silent, call_json, chat, raw_request, stream
from smoke_protocols import (ANTHROPIC, GEMINI, OLLAMA, anthropic_body, anthropic_stream, gemini_path, gemini_sse,
                             ollama_stream)

# As AISBF's autoselect.md does, the instructions name the tags (and here
# words of the descriptions too): only the elements after them count.
INSTRUCTIONS = ("You select a model. You receive the prompt in `<aisbf_user_prompt>` tags, the models in "
                "`<aisbf_autoselect_list>` tags and a fallback in `<aisbf_autoselect_fallback>` tags. "
                "Answer <aisbf_model_autoselection>{model_id}</aisbf_model_autoselection>, "
                "e.g. Python code and debugging go to a coding model.")
CANDIDATES = [
    ("coding/model", "Writes and reviews source code: Python, C++, debugging."),
    ("creative/model", "Creative writing: poems, stories and song lyrics."),
    ("general/model", "Everyday questions and small talk."),
]
FALLBACK = "fallback/model"
IDS = [c[0] for c in CANDIDATES] + [FALLBACK]


def selection_prompt(user_prompt, instructions=True):
    models = "".join(f"<model><model_id>{i}</model_id><model_description>{d}</model_description></model>\n"
                     for i, d in CANDIDATES)
    body = (f"<aisbf_user_prompt>{user_prompt}</aisbf_user_prompt>\n<aisbf_autoselect_list>\n{models}"
            f"</aisbf_autoselect_list>\n<aisbf_autoselect_fallback>{FALLBACK}</aisbf_autoselect_fallback>\n")
    return (INSTRUCTIONS + "\n\n" if instructions else "") + body


def tag(model_id):
    return f"<aisbf_model_autoselection>{model_id}</aisbf_model_autoselection>"


def openai_text(port, model, prompt, streamed):
    if streamed:
        events = stream(port, chat(model=model, text=prompt, stream=True))
        return "".join(json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-1])
    st, _, body = call_json(port, "POST", "/v1/chat/completions", chat(model=model, text=prompt))
    assert st == 200, body
    text = body["choices"][0]["message"]["content"]
    u = body["usage"]
    assert u["prompt_tokens"] == len(prompt.split()) and u["completion_tokens"] == max(1, len(text.split())), u
    return text


def anthropic_text(port, model, prompt, streamed):
    """The instructions go in `system`, the rest in the user message (both are read)."""
    instructions, _, rest = prompt.partition("\n\n") if prompt.startswith(INSTRUCTIONS) else ("", "", prompt)
    body = anthropic_body(rest, model=model, **({"system": instructions} if instructions else {}))
    if streamed:
        events = anthropic_stream(port, body)
        return "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    st, _, reply = call_json(port, "POST", "/v1/messages", body, ANTHROPIC)
    assert st == 200 and reply["stop_reason"] == "end_turn", reply
    text = reply["content"][0]["text"]
    assert reply["usage"]["output_tokens"] == max(1, len(text.split())), reply["usage"]
    return text


def gemini_text(port, model, prompt, streamed):
    body = {"contents": [{"role": "user", "parts": [{"text": prompt}]}]}
    if streamed:
        return "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in gemini_sse(port, body, model))
    st, _, reply = call_json(port, "POST", gemini_path(model), body, GEMINI)
    assert st == 200, reply
    return reply["candidates"][0]["content"]["parts"][0]["text"]


def ollama_text(port, model, prompt, streamed):
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "stream": streamed}
    if streamed:
        return "".join(line["message"]["content"] for line in ollama_stream(port, body))
    st, _, reply = call_json(port, "POST", "/api/chat", body, OLLAMA)
    assert st == 200, reply
    return reply["message"]["content"]


PROTOCOLS = {"openai": openai_text, "anthropic": anthropic_text, "gemini": gemini_text, "ollama": ollama_text}


def ask(port, protocol, model, prompt):
    """The reply text, checked to be the same streamed and not."""
    plain = PROTOCOLS[protocol](port, model, prompt, False)
    streamed = PROTOCOLS[protocol](port, model, prompt, True)
    assert plain == streamed, (protocol, model, plain, streamed)
    return plain


def check_choice(port):
    cases = [
        ("please write some poems and stories about the sea", "creative/model"),
        ("my PYTHON code needs debugging", "coding/model"),  # case-insensitive
        ("python lyrics", "coding/model"),                   # one word each: the earlier candidate
        ("hello there", FALLBACK),                           # the instructions' "Python" does not count
        ("is c++ ok?", FALLBACK),                            # words of 3+ letters only
    ]
    for protocol in PROTOCOLS:
        for user_prompt, want in cases:
            got = ask(port, protocol, "mock-model", selection_prompt(user_prompt))
            assert got == tag(want), (protocol, user_prompt, got)
    parts = {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": INSTRUCTIONS}, {"type": "text", "text": selection_prompt("sing me song lyrics", False)}]}]}
    body = call_json(port, "POST", "/v1/chat/completions", parts)[2]
    assert body["choices"][0]["message"]["content"] == tag("creative/model"), body
    gemini = {"systemInstruction": {"parts": [{"text": INSTRUCTIONS}]},
              "contents": [{"role": "user", "parts": [{"text": selection_prompt("debugging python", False)}]}]}
    body = call_json(port, "POST", gemini_path(), gemini, GEMINI)[2]
    assert body["candidates"][0]["content"]["parts"][0]["text"] == tag("coding/model"), body


def strip_think(text):
    return re.sub(r"<think>.*?</think>", "", text, flags=re.S).strip()


def check_shapes(port):
    prompt = selection_prompt("write poems")
    for protocol in ("openai", "anthropic"):
        think = ask(port, protocol, "select-think", prompt)
        inner = think[think.index("<think>"):think.index("</think>")]
        assert "coding/model" in inner and tag("coding/model") in inner, think
        assert strip_think(think) == tag("creative/model"), think

        fence = ask(port, protocol, "mock-select-fence", prompt)
        prose, rest = fence.split("\n", 1)
        assert prose and "```" not in prose and rest == "```\n" + tag("creative/model") + "\n```", fence

        assert json.loads(ask(port, protocol, "select-json", prompt)) == {"model": "creative/model"}

        garbage = ask(port, protocol, "select-garbage", prompt)
        assert garbage and not any(i in garbage for i in IDS) and "<aisbf" not in garbage, garbage

        unknown = ask(port, protocol, "select-unknown", prompt)
        m = re.fullmatch(r"<aisbf_model_autoselection>(.+)</aisbf_model_autoselection>", unknown)
        assert m and m.group(1) not in IDS, unknown
    # No match: every shape answers the fallback.
    assert json.loads(ask(port, "openai", "select-json", selection_prompt("hello"))) == {"model": FALLBACK}
    assert strip_think(ask(port, "openai", "select-think", selection_prompt("hello"))) == tag(FALLBACK)


def classify_prompt(content):
    return ("Classify the content. Answer <aisbf_classification>nsfw</aisbf_classification> when it is explicit, "
            "else safe. The content is in `<aisbf_classify_content>` tags.\n"
            f"<aisbf_classify_content>{content}</aisbf_classify_content>")


def check_classification(port):
    nsfw = "<aisbf_classification>nsfw</aisbf_classification>"
    safe = "<aisbf_classification>safe</aisbf_classification>"
    cases = [("Some EXPLICIT material here", nsfw), ("tagged #nsfw, beware", nsfw),
             ("a recipe for bread", safe), ("explicitly harmless, nsfwish", safe)]
    for protocol in PROTOCOLS:
        for content, want in cases:
            assert ask(port, protocol, "mock-model", classify_prompt(content)) == want, (protocol, content)


def check_faults_first(port):
    prompt = selection_prompt("write poems")
    st, _, body = call_json(port, "POST", "/v1/chat/completions", chat(model="select-json-fault-500", text=prompt))
    assert st == 500 and body["error"]["type"] == "server_error", body
    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(prompt, model="fault-429-select-think"),
                            ANTHROPIC)
    assert st == 429 and body["error"]["type"] == "rate_limit_error", body
    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="select-think-fault-hang", text=prompt))
    assert_silent(s)
    s.close()
    events = anthropic_stream(port, anthropic_body(prompt, model="fault-stream-error"))
    assert events[-1]["type"] == "error", events


def embed(port, model, inputs, **extra):
    st, _, body = call_json(port, "POST", "/v1/embeddings", {"model": model, "input": inputs, **extra})
    assert st == 200, body
    return [d["embedding"] for d in body["data"]]


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))  # the vectors are unit vectors


def check_bag_of_words(port):
    prompt = "please review my python code, the debugging is hard"
    descriptions = [d for _, d in CANDIDATES]
    vectors = embed(port, "embed-bow", [prompt, *descriptions])
    assert all(len(v) == 256 and abs(math.sqrt(cosine(v, v)) - 1) < 1e-5 for v in vectors)
    coding, creative, general = (cosine(vectors[0], v) for v in vectors[1:])
    assert coding > creative and coding > general and coding > 0.3, (coding, creative, general)
    a, b, c = embed(port, "embed-bow", ["poems and song lyrics", "poems about the sea", "a tax form"])
    assert cosine(a, b) > cosine(a, c), (cosine(a, b), cosine(a, c))
    assert embed(port, "embed-bow", "Poems, SONG!") == embed(port, "embed-bow", ["song poems"])  # a bag, case-free
    assert embed(port, "embed-bow", "a b")[0] == [0.0] * 256  # no word of 3+ letters: the zero vector
    small = embed(port, "text-embed-bow-v2", ["same words", "same words"], dimensions=16)
    assert len(small[0]) == 16 and small[0] == small[1]
    t = embed(port, "embed-bow", [[101, 2023, 7], [7, 101, 2023], [5, 6, 8]])
    assert abs(cosine(t[0], t[1]) - 1) < 1e-6 and cosine(t[0], t[2]) < 1, t
    # Other models keep their seeded vectors: 8 dimensions, unrelated to words.
    assert len(embed(port, "text-embedding-3-small", "poems")[0]) == 8


def check_native_embeddings(port):
    """Ollama's /api/embed and Gemini's :batchEmbedContents and :embedContent give the OpenAI route's vectors."""
    texts = ["poems and song lyrics", "python code"]
    for model in ("embed-bow", "nomic-embed-text"):
        want = embed(port, model, texts)
        st, _, body = call_json(port, "POST", "/api/embed", {"model": model, "input": texts}, OLLAMA)
        assert st == 200 and body["embeddings"] == want, body
        assert body["model"] == model and body["prompt_eval_count"] == 6, body
        requests = [{"model": "models/" + model, "content": {"parts": [{"text": t}]}} for t in texts]
        st, _, body = call_json(port, "POST", gemini_path(model, "batchEmbedContents"), {"requests": requests}, GEMINI)
        assert st == 200 and [e["values"] for e in body["embeddings"]] == want, body
    # Ollama: one string, dimensions cut then normalised again, no input, bad input.
    one = call_json(port, "POST", "/api/embed", {"model": "nomic-embed-text", "input": "python code", "dimensions": 4},
                    OLLAMA)[2]["embeddings"]
    assert len(one) == 1 and len(one[0]) == 4 and abs(math.sqrt(cosine(one[0], one[0])) - 1) < 1e-5, one
    assert call_json(port, "POST", "/api/embed", {"model": "m"}, OLLAMA)[2] == {"model": "m", "embeddings": []}
    st, _, body = call_json(port, "POST", "/api/embed", {"model": "m", "input": [1]}, OLLAMA)
    assert st == 400 and body == {"error": "invalid input type"}, body
    st, _, body = call_json(port, "POST", "/api/embed", {"input": "x"}, OLLAMA)
    assert st == 400 and body == {"error": "model is required"}, body
    st, _, body = call_json(port, "POST", "/api/embed", {"model": "fault-503", "input": "x"}, OLLAMA)
    assert st == 503, body
    # Gemini: outputDimensionality truncates; the model must match; 100 at most; the key is required.
    path = gemini_path("embed-bow", "batchEmbedContents")
    req = {"model": "models/embed-bow", "content": {"parts": [{"text": "python"}, {"text": "code"}]},
           "outputDimensionality": 3}
    cut = call_json(port, "POST", path, {"requests": [req]}, GEMINI)[2]["embeddings"][0]["values"]
    assert cut == embed(port, "embed-bow", "python\ncode")[0][:3], cut
    st, _, body = call_json(port, "POST", path, {"requests": [{**req, "model": "models/other"}]}, GEMINI)
    assert st == 400 and body["error"]["status"] == "INVALID_ARGUMENT", body
    st, _, body = call_json(port, "POST", path, {"requests": [{**req, "model": "embed-bow"}]}, GEMINI)
    assert st == 400 and "unexpected model name format" in body["error"]["message"], body
    st, _, body = call_json(port, "POST", path, {"requests": [req] * 101}, GEMINI)
    assert st == 400 and "at most 100 requests" in body["error"]["message"], body
    st, _, body = call_json(port, "POST", path, {"requests": [req]}, {"Authorization": None})
    assert st == 403 and body["error"]["status"] == "PERMISSION_DENIED", body
    st, _, body = call_json(port, "POST", gemini_path("fault-500", "batchEmbedContents"), {"requests": [req]}, GEMINI)
    assert st == 500 and body["error"]["status"] == "INTERNAL", body
    # :embedContent: one request, its model optional, the same vector; taskType checked.
    one_path = gemini_path("embed-bow", "embedContent")
    single = {"content": req["content"], "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 3}
    st, _, body = call_json(port, "POST", one_path, single, GEMINI)
    assert st == 200 and body == {"embedding": {"values": cut}}, body
    st, _, body = call_json(port, "POST", one_path, {**single, "model": "models/embed-bow"}, GEMINI)
    assert st == 200 and body["embedding"]["values"] == cut, body
    st, _, body = call_json(port, "POST", one_path, {**single, "taskType": "NO_SUCH_TASK"}, GEMINI)
    assert st == 400 and "EmbedContentRequest.task_type" in body["error"]["message"], body
    st, _, body = call_json(port, "POST", one_path, {"taskType": "CLUSTERING"}, GEMINI)
    assert st == 400 and "content is not specified" in body["error"]["message"], body
