"""Anthropic, Gemini and Ollama checks of aisbf-mock, run by smoke_test.py
(which starts the binary); they reuse its HTTP helpers."""
import json

from smoke_test import Reader, call, call_json, raw_request


ANTHROPIC = {"Authorization": None, "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
GEMINI = {"Authorization": None, "x-goog-api-key": "AIza-test"}
OLLAMA = {"Authorization": None}


def chunked(port, method, path, body=None, headers=None):
    """Returns (status, headers, [chunk payloads]); raises EOFError when the stream is cut."""
    s = raw_request(port, method, path, body, headers)
    r = Reader(s)
    status, hdrs = r.head()
    assert hdrs.get("transfer-encoding") == "chunked", (status, hdrs)
    chunks = [c.decode() for c in r.chunks()]
    s.close()
    return status, hdrs, chunks


def anthropic_body(text="hello there", model="claude-test", **extra):
    return {"model": model, "max_tokens": 4096, "messages": [{"role": "user", "content": text}], **extra}


def anthropic_stream(port, body):
    """Checks the SSE framing (one event per chunk, event name == data.type) and returns the data objects."""
    status, hdrs, chunks = chunked(port, "POST", "/v1/messages", {**body, "stream": True}, ANTHROPIC)
    assert status == 200 and hdrs["content-type"].startswith("text/event-stream"), (status, hdrs)
    events = []
    for c in chunks:
        assert c.startswith("event: ") and c.endswith("\n\n") and c.count("\n") == 3, c[:200]
        name, data = c[7:-2].split("\ndata: ")
        obj = json.loads(data)
        assert obj["type"] == name, (name, obj)
        events.append(obj)
    return events


def anthropic_error(status, body, want_status, want_type):
    assert status == want_status, (status, body)
    assert body["type"] == "error" and body["error"]["type"] == want_type, body
    assert body["request_id"].startswith("req_"), body


def check_anthropic(port):
    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(), {**ANTHROPIC, "x-api-key": None})
    anthropic_error(st, body, 401, "authentication_error")
    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(), {**ANTHROPIC, "anthropic-version": None})
    anthropic_error(st, body, 400, "invalid_request_error")
    assert body["error"]["message"] == "anthropic-version: header is required", body
    st, _, body = call_json(port, "POST", "/v1/messages", b"{nope", ANTHROPIC)
    anthropic_error(st, body, 400, "invalid_request_error")
    no_max = anthropic_body()
    del no_max["max_tokens"]
    st, _, body = call_json(port, "POST", "/v1/messages", no_max, ANTHROPIC)
    anthropic_error(st, body, 400, "invalid_request_error")
    assert body["error"]["message"] == "max_tokens: Field required", body

    st, hdrs, body = call_json(port, "POST", "/anthropic/v1/messages", anthropic_body(
        system=[{"type": "text", "text": "be brief"}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b c"}]}]), ANTHROPIC)
    assert st == 200 and hdrs["request-id"].startswith("req_"), (st, hdrs)
    assert body["id"].startswith("msg_") and body["type"] == "message" and body["role"] == "assistant"
    assert body["content"] == [{"type": "text", "text": "You said: a\nb c"}] and body["stop_reason"] == "end_turn"
    u = body["usage"]
    assert u["input_tokens"] == 5 and u["output_tokens"] == 5 and u["cache_read_input_tokens"] == 0, u
    assert u["cache_creation_input_tokens"] == 0, u

    tools = [{"name": "get_time", "input_schema": {"type": "object", "properties": {}}},
             {"name": "lookup", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}]
    body = call_json(port, "POST", "/v1/messages", anthropic_body("lookup ünïcode", tools=tools), ANTHROPIC)[2]
    block = body["content"][0]
    assert body["stop_reason"] == "tool_use" and block["type"] == "tool_use" and block["name"] == "lookup", body
    assert block["id"].startswith("toolu_") and block["input"] == {"q": "lookup ünïcode"}, block
    body = call_json(port, "POST", "/v1/messages", anthropic_body("get_time now", tools=tools,
                                                                  tool_choice={"type": "none"}), ANTHROPIC)[2]
    assert body["content"][0]["text"] == "You said: get_time now", body
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                           "content": [{"type": "text", "text": "Sunny"}]}]}
    body = call_json(port, "POST", "/v1/messages", anthropic_body(messages=[
        {"role": "user", "content": "lookup x"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}]},
        result]), ANTHROPIC)[2]
    assert body["content"][0]["text"] == "Tool result: Sunny", body
    body = call_json(port, "POST", "/v1/messages", anthropic_body(
        thinking={"type": "enabled", "budget_tokens": 1024}), ANTHROPIC)[2]
    assert [b["type"] for b in body["content"]] == ["thinking", "text"] and body["content"][0]["signature"], body

    text = "héllo wörld — a longer message to split: 日本語テキスト 🎉🎉🎉"
    events = anthropic_stream(port, anthropic_body(text))
    types = [e["type"] for e in events]
    assert types[:3] == ["message_start", "content_block_start", "ping"], types
    assert types[-4:] == ["content_block_delta", "content_block_stop", "message_delta", "message_stop"], types
    assert events[0]["message"]["content"] == [] and events[0]["message"]["usage"]["input_tokens"] > 0
    deltas = [e["delta"]["text"] for e in events if e["type"] == "content_block_delta"]
    assert all(len(d.encode()) <= 24 for d in deltas) and "".join(deltas) == "You said: " + text
    assert events[-2]["delta"]["stop_reason"] == "end_turn" and events[-2]["usage"]["output_tokens"] > 0

    events = anthropic_stream(port, anthropic_body("lookup ünïcode", tools=tools))
    assert events[1]["content_block"] == {"type": "tool_use", "id": events[1]["content_block"]["id"],
                                          "name": "lookup", "input": {}}, events[1]
    frags = [e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta"]
    assert frags[0] == "" and all(len(f.encode()) <= 8 for f in frags), frags
    assert json.loads("".join(frags)) == {"q": "lookup ünïcode"}
    assert events[-2]["delta"]["stop_reason"] == "tool_use"

    events = anthropic_stream(port, anthropic_body(thinking={"type": "enabled", "budget_tokens": 2048}))
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert [s["content_block"]["type"] for s in starts] == ["thinking", "text"] and starts[1]["index"] == 1
    block0 = [e["delta"] for e in events if e["type"] == "content_block_delta" and e["index"] == 0]
    assert all(d["type"] == "thinking_delta" for d in block0[:-1]) and block0[-1]["type"] == "signature_delta"
    stop0 = next(i for i, e in enumerate(events) if e["type"] == "content_block_stop")
    assert events[stop0 - 1]["delta"]["type"] == "signature_delta"

    body = call_json(port, "POST", "/v1/messages/count_tokens",
                     {"model": "claude-test", "messages": [{"role": "user", "content": "one two three"}]}, ANTHROPIC)[2]
    assert body == {"input_tokens": 3}, body
    body = call_json(port, "GET", "/v1/models", None, ANTHROPIC)[2]
    assert body["has_more"] is False and body["data"][0]["type"] == "model", body
    assert {"id", "display_name", "created_at"} <= set(body["data"][0]), body
    model_id = body["data"][1]["id"]
    assert call_json(port, "GET", "/v1/models/" + model_id, None, ANTHROPIC)[2]["id"] == model_id

    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(model="fault-503"), ANTHROPIC)
    anthropic_error(st, body, 529, "overloaded_error")
    st, hdrs, body = call_json(port, "POST", "/v1/messages", anthropic_body(model="fault-429-5"), ANTHROPIC)
    anthropic_error(st, body, 429, "rate_limit_error")
    assert hdrs["retry-after"] == "5" and hdrs["anthropic-ratelimit-requests-remaining"] == "0", hdrs
    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(model="fault-500"), ANTHROPIC)
    anthropic_error(st, body, 500, "api_error")
    events = anthropic_stream(port, anthropic_body("one two three " * 10, model="fault-stream-error"))
    assert events[-1]["type"] == "error" and events[-1]["error"]["type"] == "api_error", events[-1]
    assert [e["type"] for e in events].count("content_block_delta") == 1
    try:
        chunked(port, "POST", "/v1/messages", anthropic_body("a b c " * 20, model="fault-cut", stream=True), ANTHROPIC)
        raise AssertionError("fault-cut stream ended properly")
    except EOFError:
        pass
    last = call_json(port, "GET", "/__mock/requests?last=1")[2]["requests"][0]
    assert last["path"] == "/v1/messages" and last["headers"]["x-api-key"] == "sk-ant-test", last
    assert last["headers"]["anthropic-version"] == "2023-06-01" and json.loads(last["body"])["model"] == "fault-cut"


def gemini_path(model="gemini-2.5-flash", method="generateContent", query=""):
    return f"/v1beta/models/{model}:{method}{query}"


def gemini_body(text="hello there", **extra):
    return {"contents": [{"role": "user", "parts": [{"text": text}]}], **extra}


def gemini_error(status, body, want_status, want):
    assert status == want_status and body["error"]["code"] == want_status and body["error"]["status"] == want, body


def gemini_sse(port, body, model="gemini-2.5-flash"):
    status, hdrs, chunks = chunked(port, "POST", gemini_path(model, "streamGenerateContent", "?alt=sse"), body, GEMINI)
    assert status == 200 and hdrs["content-type"] == "text/event-stream", (status, hdrs)
    for c in chunks:
        assert c.startswith("data: ") and c.endswith("\r\n\r\n") and c.count("\r\n\r\n") == 1, c[:200]
    return [json.loads(c[6:-4]) for c in chunks]


def check_gemini(port):
    st, _, body = call_json(port, "POST", gemini_path(), gemini_body(), {"Authorization": None})
    gemini_error(st, body, 403, "PERMISSION_DENIED")
    st, _, body = call_json(port, "POST", gemini_path(), b"{nope", GEMINI)
    gemini_error(st, body, 400, "INVALID_ARGUMENT")
    st, _, body = call_json(port, "POST", gemini_path(), {"contents": []}, GEMINI)
    gemini_error(st, body, 400, "INVALID_ARGUMENT")

    st, hdrs, body = call_json(port, "POST", gemini_path(query="?key=AIza-q"), gemini_body(
        "a", systemInstruction={"parts": [{"text": "be brief"}]},
        contents=[{"role": "user", "parts": [{"text": "a"}, {"text": "b c"}]}]), {"Authorization": None})
    assert st == 200 and hdrs["content-type"].startswith("application/json"), (st, hdrs)
    cand = body["candidates"][0]
    assert cand["content"] == {"parts": [{"text": "You said: a\nb c"}], "role": "model"}, cand
    assert cand["finishReason"] == "STOP" and body["modelVersion"] == "gemini-2.5-flash" and body["responseId"]
    u = body["usageMetadata"]
    assert u["promptTokenCount"] == 5 and u["candidatesTokenCount"] == 5 and u["totalTokenCount"] == 10, u

    tools = [{"functionDeclarations": [{"name": "get_time"}, {"name": "get_weather", "parameters": {
        "type": "OBJECT", "properties": {"city": {"type": "STRING"}}}}]}]
    body = call_json(port, "POST", gemini_path(), gemini_body("get_weather Paris", tools=tools), GEMINI)[2]
    part = body["candidates"][0]["content"]["parts"][0]
    assert part == {"functionCall": {"name": "get_weather", "args": {"city": "get_weather Paris"}}}, part
    body = call_json(port, "POST", gemini_path(), gemini_body("nothing", tools=tools, toolConfig={
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}}), GEMINI)[2]
    assert body["candidates"][0]["content"]["parts"][0]["functionCall"] == {"name": "get_time", "args": {}}, body
    reply = {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "Sunny"}}}]}
    body = call_json(port, "POST", gemini_path(), {"contents": [
        gemini_body("get_weather")["contents"][0],
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]}, reply]}, GEMINI)[2]
    assert body["candidates"][0]["content"]["parts"][0]["text"] == "Tool result: Sunny", body

    text = "héllo wörld — a longer message to split: 日本語テキスト 🎉🎉🎉"
    chunks = gemini_sse(port, gemini_body(text))
    assert len(chunks) > 2 and all("finishReason" not in c["candidates"][0] for c in chunks[:-1])
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] > 0
    pieces = [c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks]
    assert "".join(pieces) == "You said: " + text
    chunks = gemini_sse(port, gemini_body("get_weather now", tools=tools))
    assert len(chunks) == 1 and chunks[0]["candidates"][0]["finishReason"] == "STOP", chunks
    assert chunks[0]["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == "get_weather"
    st, _, body = call(port, "POST", gemini_path(method="streamGenerateContent"), gemini_body(text), GEMINI)
    array = json.loads(body)
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in array) == "You said: " + text

    body = call_json(port, "POST", gemini_path(method="countTokens"), gemini_body("one two three"), GEMINI)[2]
    assert body["totalTokens"] == 3, body
    st, _, body = call_json(port, "GET", "/v1beta/models", None, {"Authorization": None})
    gemini_error(st, body, 403, "PERMISSION_DENIED")
    body = call_json(port, "GET", "/v1beta/models", None, GEMINI)[2]
    m = body["models"][0]
    assert m["name"].startswith("models/") and "generateContent" in m["supportedGenerationMethods"], m
    assert {"displayName", "inputTokenLimit", "outputTokenLimit"} <= set(m), m

    st, hdrs, body = call_json(port, "POST", gemini_path("fault-429-9"), gemini_body(), GEMINI)
    gemini_error(st, body, 429, "RESOURCE_EXHAUSTED")
    retry = [d for d in body["error"]["details"] if d["@type"].endswith("google.rpc.RetryInfo")]
    assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "9s"}], body
    st, _, body = call_json(port, "POST", gemini_path("fault-503"), gemini_body(), GEMINI)
    gemini_error(st, body, 503, "UNAVAILABLE")
    st, _, body = call_json(port, "POST", gemini_path("fault-401"), gemini_body(), GEMINI)
    gemini_error(st, body, 401, "UNAUTHENTICATED")
    chunks = gemini_sse(port, gemini_body("one two three " * 10), model="fault-stream-error")
    assert len(chunks) == 2 and chunks[1]["error"]["status"] == "INTERNAL", chunks
    last = call_json(port, "GET", "/__mock/requests?last=1")[2]["requests"][0]
    assert last["path"] == gemini_path("fault-stream-error", "streamGenerateContent", "?alt=sse"), last
    assert last["headers"]["x-goog-api-key"] == "AIza-test" and "contents" in json.loads(last["body"]), last


def ollama_body(text="hello there", **extra):
    return {"model": "llama3.2", "messages": [{"role": "user", "content": text}], **extra}


def ollama_stream(port, body):
    status, hdrs, chunks = chunked(port, "POST", "/api/chat", body, OLLAMA)
    assert status == 200 and hdrs["content-type"] == "application/x-ndjson", (status, hdrs)
    for c in chunks:
        assert c.endswith("\n") and c.count("\n") == 1, c[:200]
    return [json.loads(c) for c in chunks]


def check_ollama(port):
    text = "héllo wörld — a longer message to split: 日本語テキスト 🎉🎉🎉"
    lines = ollama_stream(port, ollama_body(text))  # "stream" absent: streams
    assert all(not l["done"] for l in lines[:-1]) and lines[-1]["done"] and lines[-1]["done_reason"] == "stop"
    assert "".join(l["message"]["content"] for l in lines) == "You said: " + text
    assert all(l["message"]["role"] == "assistant" and l["model"] == "llama3.2" for l in lines)
    assert lines[-1]["prompt_eval_count"] > 0 and lines[-1]["eval_count"] > 0 and lines[-1]["total_duration"] > 0

    st, hdrs, body = call_json(port, "POST", "/api/chat", ollama_body("a b", stream=False), OLLAMA)
    assert st == 200 and hdrs["content-type"].startswith("application/json"), (st, hdrs)
    assert body["done"] is True and body["done_reason"] == "stop" and body["message"]["content"] == "You said: a b"
    assert body["prompt_eval_count"] == 2 and body["eval_count"] == 4 and body["created_at"].endswith("Z"), body

    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    lines = ollama_stream(port, ollama_body("get_weather Toronto", tools=tools))
    assert len(lines) == 2 and lines[0]["message"]["content"] == "", lines
    call0 = lines[0]["message"]["tool_calls"][0]
    assert call0["id"].startswith("call_") and len(call0["id"]) == 13, call0
    assert call0["function"] == {"index": 0, "name": "get_weather", "arguments": {"city": "get_weather Toronto"}}
    body = call_json(port, "POST", "/api/chat", {"model": "m", "stream": False, "messages": [
        {"role": "user", "content": "get_weather"},
        {"role": "assistant", "content": "", "tool_calls": [call0]},
        {"role": "tool", "tool_name": "get_weather", "content": "11 degrees"}]}, OLLAMA)[2]
    assert body["message"]["content"] == "Tool result: 11 degrees", body
    body = call_json(port, "POST", "/api/chat", {"model": "m", "messages": []}, OLLAMA)[2]
    assert body["done"] and body["done_reason"] == "load", body
    st, _, body = call_json(port, "POST", "/api/chat", ollama_body([{"type": "text", "text": "x"}]), OLLAMA)
    assert st == 400 and set(body) == {"error"}, body
    st, _, body = call_json(port, "POST", "/api/chat", {"messages": []}, OLLAMA)
    assert st == 400 and body == {"error": "model is required"}, body

    body = call_json(port, "GET", "/api/tags", None, OLLAMA)[2]
    m = body["models"][0]
    assert {"name", "model", "modified_at", "size", "digest", "details"} <= set(m) and len(m["digest"]) == 64, m

    st, _, body = call_json(port, "POST", "/api/chat", ollama_body(model="fault-503"), OLLAMA)
    assert st == 503 and set(body) == {"error"}, body
    st, _, body = call_json(port, "POST", "/api/chat", {**ollama_body(), "model": "fault-500"}, OLLAMA)
    assert st == 500 and set(body) == {"error"}, body
    lines = ollama_stream(port, {**ollama_body("one two three " * 10), "model": "fault-stream-error"})
    assert len(lines) == 2 and lines[1] == {"error": "mock mid-stream failure"}, lines
    last = call_json(port, "GET", "/__mock/requests?last=1")[2]["requests"][0]
    assert last["path"] == "/api/chat" and json.loads(last["body"])["model"] == "fault-stream-error", last


def check_protocol_keys(port):
    """Key checks of the new protocols against a mock started with --api-key."""
    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(), {**ANTHROPIC, "x-api-key": "sk-one"})
    assert st == 200, body
    st, _, body = call_json(port, "POST", "/v1/messages", anthropic_body(), ANTHROPIC)
    anthropic_error(st, body, 401, "authentication_error")
    st, _, body = call_json(port, "POST", gemini_path(query="?key=sk-two"), gemini_body(), {"Authorization": None})
    assert st == 200, body
    st, _, body = call_json(port, "POST", gemini_path(), gemini_body(), GEMINI)
    gemini_error(st, body, 400, "INVALID_ARGUMENT")
    assert call(port, "POST", "/api/chat", ollama_body(stream=False), OLLAMA)[0] == 200
    st, _, body = call_json(port, "POST", "/api/chat", ollama_body(stream=False), {"Authorization": "Bearer nope"})
    assert st == 401 and body == {"error": "unauthorized"}, body



def responses_stream(port, body):
    """A Responses stream: event name == data.type, sequence numbers from 0, no [DONE]; returns the data objects."""
    status, hdrs, chunks = chunked(port, "POST", "/v1/responses", {**body, "stream": True})
    assert status == 200 and hdrs["content-type"].startswith("text/event-stream"), (status, hdrs)
    events = []
    for i, c in enumerate(chunks):
        assert c.startswith("event: ") and c.endswith("\n\n"), c[:200]
        name, data = c[7:-2].split("\ndata: ")
        obj = json.loads(data)
        assert obj["type"] == name and obj["sequence_number"] == i, (i, name, obj)
        events.append(obj)
    return events


def check_responses(port):
    st, _, body = call_json(port, "POST", "/v1/responses", {"model": "m", "input": "hello there"})
    assert st == 200 and body["object"] == "response" and body["status"] == "completed", body
    assert body["output"][0]["content"][0]["text"] == "You said: hello there", body
    assert body["usage"]["total_tokens"] == body["usage"]["input_tokens"] + body["usage"]["output_tokens"], body
    for bad, param in ((5, "input"), ([{"type": "bogus"}], "input[0].type"),
                       ([{"type": "function_call_output", "call_id": "c", "output": "x"}], "input")):
        st, _, body = call_json(port, "POST", "/v1/responses", {"model": "m", "input": bad})
        assert st == 400 and body["error"]["param"] == param, (bad, body)
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {}}}}
    events = responses_stream(port, {"model": "m", "input": "get_weather in Paris", "tools": [tool]})
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"], kinds
    assert kinds[-3:] == ["response.function_call_arguments.done", "response.output_item.done", "response.completed"], kinds
    args = "".join(e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta")
    assert json.loads(args) == {"city": "get_weather in Paris"}, args
    call_id = events[-1]["response"]["output"][0]["call_id"]
    items = [{"role": "user", "content": "x"},
             {"type": "function_call", "call_id": call_id, "name": "get_weather", "arguments": args},
             {"type": "function_call_output", "call_id": call_id, "output": "Sunny"}]
    events = responses_stream(port, {"model": "m", "input": items})
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert text == "Tool result: Sunny" and events[-1]["type"] == "response.completed", events
    events = responses_stream(port, {"model": "m-fault-stream-error", "input": "hello there"})
    assert events[-1]["type"] == "error" and events[-1]["message"] == "mock mid-stream failure", events[-1]


def check_scripted_calls(port):
    """A `mock-call: NAME {json}` line scripts the call and its arguments, in every protocol."""
    script = 'run this\nmock-call: exec_command {"cmd": "echo hi", "n": 1}\nthanks'
    want = {"cmd": "echo hi", "n": 1}
    props = {"type": "object", "properties": {"cmd": {"type": "string"}, "n": {"type": "number"}}}
    other = {"type": "object", "properties": {"q": {"type": "string"}}}

    fn = [{"type": "function", "function": {"name": "lookup", "parameters": other}},
          {"type": "function", "function": {"name": "exec_command", "parameters": props}}]
    body = call_json(port, "POST", "/v1/chat/completions", {"model": "m", "tools": fn,
                                                            "messages": [{"role": "user", "content": script}]})[2]
    call0 = body["choices"][0]["message"]["tool_calls"][0]["function"]
    assert call0["name"] == "exec_command" and json.loads(call0["arguments"]) == want, body
    body = call_json(port, "POST", "/v1/chat/completions", {"model": "m", "tools": fn, "tool_choice": "none",
                                                            "messages": [{"role": "user", "content": script}]})[2]
    assert body["choices"][0]["message"]["content"].startswith("You said: "), body

    flat = [{"type": "function", "name": f["function"]["name"], "parameters": f["function"]["parameters"]} for f in fn]
    body = call_json(port, "POST", "/v1/responses", {"model": "m", "input": script, "tools": flat})[2]
    item = body["output"][0]
    assert item["type"] == "function_call" and item["name"] == "exec_command", body
    assert json.loads(item["arguments"]) == want, item

    tools = [{"name": "lookup", "input_schema": other}, {"name": "exec_command", "input_schema": props}]
    body = call_json(port, "POST", "/v1/messages", anthropic_body(script, tools=tools), ANTHROPIC)[2]
    assert body["content"][0]["name"] == "exec_command" and body["content"][0]["input"] == want, body

    decls = [{"functionDeclarations": [{"name": "lookup", "parameters": other},
                                       {"name": "exec_command", "parameters": props}]}]
    body = call_json(port, "POST", gemini_path(), gemini_body(script, tools=decls), GEMINI)[2]
    part = body["candidates"][0]["content"]["parts"][0]
    assert part == {"functionCall": {"name": "exec_command", "args": want}}, part

    body = call_json(port, "POST", "/api/chat", ollama_body(script, tools=fn, stream=False), OLLAMA)[2]
    function = body["message"]["tool_calls"][0]["function"]
    assert function["name"] == "exec_command" and function["arguments"] == want, body

    # A tool not offered: no call (no other name matches). No JSON object, or
    # not at a line's start: the name rule, the whole text as the first property.
    body = call_json(port, "POST", "/v1/responses", {"model": "m", "input": 'mock-call: missing {"a": 1}',
                                                     "tools": flat})[2]
    assert body["output"][0]["type"] == "message", body
    # A number out of range would come back as Infinity, which is not JSON.
    for text in ('mock-call: exec_command [1]', 'x mock-call: exec_command {"cmd": "no"}',
                 'mock-call: exec_command {"cmd": [1e400]}'):
        body = call_json(port, "POST", "/v1/responses", {"model": "m", "input": text, "tools": flat})[2]
        assert json.loads(body["output"][0]["arguments"]) == {"cmd": text}, (text, body)
