#!/usr/bin/env python3
"""End-to-end check of aisbf-mock: every route and fault, over real sockets.

Usage: python3 tools/mock/smoke_test.py path/to/aisbf-mock
The Anthropic, Gemini and Ollama checks live in smoke_protocols.py beside it, the task
prompts (autoselect, classification) and bag-of-words embeddings in smoke_select.py.
Standard library only. Exits non-zero on the first failure.
"""
import base64
import json
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib

sys.dont_write_bytecode = True  # smoke_protocols imports this file: leave no __pycache__ behind

AUTH = "Bearer sk-test"


class Mock:
    def __init__(self, binary, *args):
        self.proc = subprocess.Popen([binary, "--port", "0", *args], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("LISTENING http://127.0.0.1:"), line
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        assert code == 0, f"exit code {code}"


def raw_request(port, method, path, body=None, headers=None, keep=False):
    """Sends one request on a new socket; returns the socket."""
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    hdrs = {"Host": "mock", "Authorization": AUTH, "Content-Type": "application/json",
            "Content-Length": str(len(data))}
    hdrs.update(headers or {})
    if not keep:
        hdrs["Connection"] = "close"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items() if v is not None)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head.encode() + b"\r\n" + data)
    return s


class Reader:
    """Reads an HTTP/1.1 response from a socket, keeping the chunk structure."""

    def __init__(self, sock, timeout=5):
        self.sock, self.buf = sock, b""
        sock.settimeout(timeout)

    def fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def take(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        status = int(self.line().split(" ")[1])
        headers = {}
        while True:
            line = self.line()
            if not line:
                return status, headers
            k, v = line.split(": ", 1)
            headers[k.lower()] = v

    def chunks(self):
        """Yields chunk payloads until the zero chunk (raises EOFError if cut)."""
        while True:
            size = int(self.line(), 16)
            if size == 0:
                self.line()
                return
            data = self.take(size)
            assert self.take(2) == b"\r\n"
            yield data


def call(port, method, path, body=None, headers=None):
    s = raw_request(port, method, path, body, headers)
    r = Reader(s)
    status, hdrs = r.head()
    if "content-length" in hdrs:
        data = r.take(int(hdrs["content-length"]))
    else:
        data = b"".join(r.chunks())
    s.close()
    return status, hdrs, data


def call_json(port, method, path, body=None, headers=None):
    status, hdrs, data = call(port, method, path, body, headers)
    return status, hdrs, json.loads(data)


def stream(port, body):
    """Returns the list of SSE events (one per chunk, each checked whole)."""
    s = raw_request(port, "POST", "/v1/chat/completions", body)
    r = Reader(s)
    status, hdrs = r.head()
    assert status == 200 and hdrs["content-type"] == "text/event-stream", (status, hdrs)
    assert hdrs["transfer-encoding"] == "chunked"
    events = []
    for chunk in r.chunks():
        text = chunk.decode()
        assert text.startswith("data: ") and text.endswith("\n\n") and text.count("\n\n") == 1, text[:100]
        events.append(text[6:-2])
    s.close()
    return events


def chat(model="mock-model", text="hello there", **extra):
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def error_of(status, body, want_status, want_type, want_code=None):
    assert status == want_status, (status, body)
    err = body["error"]
    assert set(err) == {"message", "type", "param", "code"}, err
    assert err["type"] == want_type and err["code"] == want_code, err


def assert_silent(s, seconds=0.3):
    """Asserts that nothing arrives on socket `s` for `seconds` (a hang)."""
    s.settimeout(seconds)
    try:
        data = s.recv(100)
    except socket.timeout:
        return
    raise AssertionError(f"the hang answered: {data!r}")


def stats(port):
    return call_json(port, "GET", "/__mock/stats")[2]


def check_chat(port):
    status, _, body = call_json(port, "POST", "/v1/chat/completions", chat(), {"Authorization": None})
    error_of(status, body, 401, "invalid_request_error")
    status, _, body = call_json(port, "POST", "/v1/chat/completions", b"{not json")
    error_of(status, body, 400, "invalid_request_error")
    status, _, body = call_json(port, "POST", "/openai/v1/chat/completions", chat(text="hi 日本"))
    assert status == 200 and body["object"] == "chat.completion", body
    assert body["id"].startswith("chatcmpl-mock-") and body["model"] == "mock-model"
    choice = body["choices"][0]
    assert choice["message"]["content"] == "You said: hi 日本" and choice["finish_reason"] == "stop"
    u = body["usage"]
    assert u["prompt_tokens"] == 2 and u["completion_tokens"] == 4 and u["total_tokens"] == 6, u
    parts = {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "b"}]}]}
    assert call_json(port, "POST", "/v1/chat/completions", parts)[2]["choices"][0]["message"]["content"] == "You said: a\nb"
    tool_msg = {"model": "m", "messages": [{"role": "user", "content": "x"},
                                           {"role": "tool", "tool_call_id": "c", "content": "Sunny"}]}
    assert call_json(port, "POST", "/v1/chat/completions", tool_msg)[2]["choices"][0]["message"]["content"] == "Tool result: Sunny"
    tools = [{"type": "function", "function": {"name": "get_time"}},
             {"type": "function", "function": {"name": "get_weather", "parameters": {
                 "type": "object", "properties": {"city": {"type": "string"}, "unit": {}}}}}]
    body = call_json(port, "POST", "/v1/chat/completions", chat(text='get_weather "Paris"', tools=tools))[2]
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    tc = choice["message"]["tool_calls"][0]
    assert tc["id"].startswith("call_mock_") and tc["function"]["name"] == "get_weather"
    assert json.loads(tc["function"]["arguments"]) == {"city": 'get_weather "Paris"'}
    body = call_json(port, "POST", "/v1/chat/completions", chat(text="get_time now", tools=tools))[2]
    assert json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == {}
    body = call_json(port, "POST", "/v1/chat/completions", chat(text="nothing", tools=tools))[2]
    assert body["choices"][0]["message"]["content"] == "You said: nothing"


def check_streams(port):
    text = "héllo wörld — a longer message to split: 日本語テキスト 🎉🎉🎉"
    events = stream(port, chat(text=text, stream=True))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks[1:-1]]
    assert all(len(p.encode()) <= 24 for p in pieces) and "".join(pieces) == "You said: " + text
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"properties": {"q": {}}}}}]
    events = stream(port, chat(text="lookup ünïcode", tools=tools, stream=True,
                               stream_options={"include_usage": True}))
    chunks = [json.loads(e) for e in events[:-1]]
    first = chunks[0]["choices"][0]["delta"]
    assert first["role"] == "assistant" and first["content"] is None
    call0 = first["tool_calls"][0]
    assert call0["index"] == 0 and call0["type"] == "function" and call0["function"] == {"name": "lookup", "arguments": ""}
    frags = [c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in chunks[1:-2]]
    assert all(len(f.encode()) <= 8 for f in frags) and json.loads("".join(frags)) == {"q": "lookup ünïcode"}
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def check_models_embeddings(port):
    body = call_json(port, "GET", "/v1/models")[2]
    ids = [m["id"] for m in body["data"]]
    assert body["object"] == "list" and "mock-model" in ids and "org/nested-model" in ids
    for path in ("/v1/models/org/nested-model", "/v1/models/org%2Fnested-model"):
        assert call_json(port, "GET", path)[2]["id"] == "org/nested-model"
    status, _, body = call_json(port, "GET", "/v1/models/nope")
    error_of(status, body, 404, "invalid_request_error", "model_not_found")
    status, _, body = call_json(port, "GET", "/v1/nowhere")
    error_of(status, body, 404, "invalid_request_error")
    body = call_json(port, "POST", "/v1/embeddings", {"model": "e", "input": ["a", "b c"]})[2]
    assert [d["index"] for d in body["data"]] == [0, 1] and len(body["data"][0]["embedding"]) == 8
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}
    floats = body["data"][1]["embedding"]
    b64 = call_json(port, "POST", "/v1/embeddings", {"model": "e", "input": "b c", "encoding_format": "base64"})[2]
    decoded = struct.unpack("<8f", base64.b64decode(b64["data"][0]["embedding"]))
    assert all(abs(x - y) < 1e-6 for x, y in zip(decoded, floats)), (decoded, floats)
    body = call_json(port, "POST", "/v1/embeddings", {"model": "e", "input": [[1, 2], [3]], "dimensions": 3})[2]
    assert len(body["data"]) == 2 and len(body["data"][1]["embedding"]) == 3


def png_pixels(data):
    """Checks a PNG's signature, chunk CRCs and IDAT; returns its raw scanlines."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    pos, idat, kinds = 8, b"", []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, payload = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc, kind
        kinds.append(kind)
        if kind == b"IDAT":
            idat += payload
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"], kinds
    raw = zlib.decompress(idat)
    assert len(raw) == 32 * (1 + 32 * 3), len(raw)
    return raw


def check_images(port):
    body = call_json(port, "POST", "/v1/images/generations", {"model": "dall-e-3", "prompt": "a red fox", "n": 2})[2]
    urls = [d["url"] for d in body["data"]]
    # The URLs name the Host the request came with ("mock" here).
    assert len(urls) == 2 and all(u.startswith("http://mock/__mock/image/") for u in urls), urls
    assert body["usage"] == {"input_tokens": 3, "output_tokens": 544, "total_tokens": 547,
                             "input_tokens_details": {"text_tokens": 3, "image_tokens": 0}}, body["usage"]
    files = []
    for u in urls:
        status, hdrs, data = call(port, "GET", u[len("http://mock"):])
        assert status == 200 and hdrs["content-type"] == "image/png", (status, hdrs)
        png_pixels(data)
        files.append(data)
    assert files[0] != files[1]
    again = call(port, "GET", urls[0][len("http://mock"):])[2]
    assert again == files[0], "the same number gives the same bytes"
    b64 = call_json(port, "POST", "/v1/images/generations", {"model": "gpt-image-1", "prompt": "x"})[2]
    png_pixels(base64.b64decode(b64["data"][0]["b64_json"]))
    status, _, body = call_json(port, "POST", "/v1/images/generations", {"model": "dall-e-3"})
    error_of(status, body, 400, "invalid_request_error", "missing_required_parameter")
    status, _, body = call_json(port, "POST", "/v1/images/generations", {"model": "dall-e-3", "prompt": "x", "n": 11})
    error_of(status, body, 400, "invalid_request_error", "invalid_value")
    forced = call_json(port, "POST", "/v1/images/generations",
                       {"model": "dall-e-3", "prompt": "x", "mock_image_url": "http://elsewhere/x.png"})[2]
    assert forced["data"][0]["url"] == "http://elsewhere/x.png", forced
    status, hdrs, _ = call(port, "GET", "/__mock/redirect?to=http%3A%2F%2Flocalhost%3A1%2Fa.png")
    assert status == 302 and hdrs["location"] == "http://localhost:1/a.png", (status, hdrs)
    gemini = {"contents": [{"role": "user", "parts": [{"text": "a red fox"}]}],
              "generationConfig": {"responseModalities": ["IMAGE"]}}
    body = call_json(port, "POST", "/v1beta/models/gemini-image:generateContent", gemini,
                     {"x-goog-api-key": "k"})[2]
    part = body["candidates"][0]["content"]["parts"][0]["inlineData"]
    assert part["mimeType"] == "image/png", part
    png_pixels(base64.b64decode(part["data"]))
    assert body["usageMetadata"]["promptTokenCount"] == 3 and body["usageMetadata"]["candidatesTokenCount"] == 1290


def expect_error(port, model, status, etype, code=None):
    st, hdrs, body = call_json(port, "POST", "/v1/chat/completions", chat(model=model))
    error_of(st, body, status, etype, code)
    return hdrs, body


def wait_stats(port, key, value):
    for _ in range(50):
        if stats(port)[key] == value:
            return
        time.sleep(0.05)
    raise AssertionError(f"stats {key} != {value}: {stats(port)}")


def check_faults(port):
    call(port, "POST", "/__mock/reset")
    expect_error(port, "x-fault-500", 500, "server_error")
    expect_error(port, "fault-503", 503, "server_error")
    hdrs, _ = expect_error(port, "fault-429", 429, "requests", "rate_limit_exceeded")
    assert hdrs["retry-after"] == "7"
    hdrs, _ = expect_error(port, "fault-429-30", 429, "requests", "rate_limit_exceeded")
    assert hdrs["retry-after"] == "30"
    expect_error(port, "fault-401", 401, "invalid_request_error", "invalid_api_key")
    expect_error(port, "fault-404", 404, "invalid_request_error", "model_not_found")
    _, body = expect_error(port, "fault-400", 400, "invalid_request_error", "invalid_value")
    assert body["error"]["param"] == "messages"
    status, hdrs, data = call(port, "POST", "/v1/chat/completions", chat(model="fault-badjson"))
    assert status == 200 and hdrs["content-type"] == "application/json" and data == b"this is not json"
    assert stats(port) == {"received": 8, "completed": 8, "aborted": 0}, stats(port)

    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-hang"))
    assert_silent(s)
    last = call_json(port, "GET", "/__mock/requests?last=1")[2]["requests"]
    assert len(last) == 1 and not last[0]["completed"] and not last[0]["aborted"], last
    s.close()
    wait_stats(port, "aborted", 1)
    last = call_json(port, "GET", "/__mock/requests?last=1")[2]["requests"][0]
    assert last["aborted"] and not last["completed"] and last["headers"]["authorization"] == AUTH
    assert json.loads(last["body"])["model"] == "fault-hang" and last["path"] == "/v1/chat/completions"

    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-hang-after-first", stream=True))
    r = Reader(s, timeout=0.3)
    r.head()
    assert next(r.chunks()).startswith(b"data: {")
    try:
        next(r.chunks())
        raise AssertionError("fault-hang-after-first sent a second event")
    except socket.timeout:
        pass
    s.close()
    wait_stats(port, "aborted", 2)

    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-cut", text="a b c " * 20, stream=True))
    r = Reader(s)
    r.head()
    got = []
    try:
        for c in r.chunks():
            got.append(c)
        raise AssertionError("fault-cut stream ended properly")
    except EOFError:
        pass
    assert len(got) == 3, got
    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-cut"))
    r = Reader(s)
    _, hdrs = r.head()
    try:
        r.take(int(hdrs["content-length"]))
        raise AssertionError("fault-cut sent the whole body")
    except EOFError:
        pass
    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-close"))
    assert s.recv(100) == b""

    t0 = time.monotonic()
    events = stream(port, chat(model="fault-slow", stream=True))
    assert time.monotonic() - t0 >= 0.05 * (len(events) - 1) and events[-1] == "[DONE]"
    t0 = time.monotonic()
    assert call(port, "POST", "/v1/chat/completions", chat(model="fault-slow-300"))[0] == 200
    assert time.monotonic() - t0 >= 0.3
    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-slow-200", stream=True))
    Reader(s).head()
    s.close()
    wait_stats(port, "aborted", 3)

    events = stream(port, chat(model="fault-bigevent", stream=True))
    big = json.loads(events[1])["choices"][0]["delta"]["content"]
    assert big == "x" * (10 << 20) and events[-1] == "[DONE]"
    events = stream(port, chat(model="fault-stream-error", text="one two three " * 10, stream=True))
    assert len(events) == 3 and json.loads(events[2])["error"]["message"] == "mock mid-stream failure"
    s = raw_request(port, "POST", "/v1/chat/completions", chat(model="fault-preamble-3", stream=True))
    r = Reader(s)
    assert r.head()[0] == 200
    chunks = [c.decode() for c in r.chunks()]
    s.close()
    assert all(set(c.split("\n\n")[:-1]) == {": keep-alive"} for c in chunks[:3]), chunks[:3]
    assert chunks[3].startswith("data: ") and chunks[-1] == "data: [DONE]\n\n", chunks[3:]

    received = stats(port)["received"]
    call(port, "POST", "/__mock/reset")
    assert stats(port) == {"received": 0, "completed": 0, "aborted": 0} and received == 19, received
    assert call_json(port, "GET", "/__mock/requests")[2] == {"requests": []}


def check_hold(port):
    """fault-hold-N: N events, then nothing until a release; then the rest (here: a cut after 3 events)."""
    assert call_json(port, "GET", "/__mock/held")[2] == {"held": 0}
    s = raw_request(port, "POST", "/v1/chat/completions",
                    chat(model="fault-cut-fault-hold-2", text="a b c " * 20, stream=True))
    r = Reader(s, timeout=0.3)
    r.head()
    chunks = r.chunks()
    first = [next(chunks), next(chunks)]
    assert all(c.startswith(b"data: {") for c in first), first
    try:
        next(chunks)
        raise AssertionError("fault-hold-2 sent a third event before the release")
    except socket.timeout:
        pass
    assert call_json(port, "GET", "/__mock/held")[2] == {"held": 1}
    assert call_json(port, "POST", "/__mock/release")[2] == {"released": 1}
    s.settimeout(5)
    got = []
    try:
        for c in r.chunks():
            got.append(c)
        raise AssertionError("fault-cut-fault-hold-2 ended properly")
    except EOFError:
        pass
    assert len(got) == 1, got  # the cut's third event
    assert call_json(port, "GET", "/__mock/held")[2] == {"held": 0}
    assert call_json(port, "POST", "/__mock/release")[2] == {"released": 0}
    assert call(port, "GET", "/__mock/release")[0] == 405
    assert call(port, "POST", "/v1/chat/completions", chat(model="fault-hold"))[0] == 200  # not a stream: no hold
    call(port, "POST", "/__mock/reset")


def check_keep_alive(port):
    s = socket.create_connection(("127.0.0.1", port))
    req = f"GET /v1/models/mock-model HTTP/1.1\r\nHost: m\r\nAuthorization: {AUTH}\r\n\r\n".encode()
    s.sendall(req * 3)  # pipelined
    r = Reader(s)
    for _ in range(3):
        _, hdrs = r.head()
        assert json.loads(r.take(int(hdrs["content-length"])))["id"] == "mock-model"
    big = json.dumps(chat(text="z" * (1 << 20))).encode()
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: m\r\nAuthorization: " + AUTH.encode() +
              b"\r\nContent-Length: " + str(len(big)).encode() + b"\r\n\r\n" + big)
    _, hdrs = r.head()
    body = json.loads(r.take(int(hdrs["content-length"])))
    assert len(body["choices"][0]["message"]["content"]) == (1 << 20) + 10
    s.close()


FLAKY_FAULTS = {"fault-500", "fault-503", "fault-429-1", "fault-cut", "fault-close", "fault-stream-error"}


def drain(s):
    """Reads a socket to EOF (or a 5 s silence), whatever the framing."""
    s.settimeout(5)
    try:
        while s.recv(1 << 16):
            pass
    except OSError:
        pass
    s.close()


def flaky_run(binary, seed, n=60):
    """n flaky-40 requests (OpenAI, Anthropic, Gemini, Ollama in turn) one by one; returns the recorded faults."""
    from smoke_protocols import ANTHROPIC, GEMINI, OLLAMA, anthropic_body, gemini_path, gemini_body, ollama_body
    mock = Mock(binary, "--seed", str(seed))
    try:
        for i in range(n):
            kind = i % 4
            if kind == 0:
                s = raw_request(mock.port, "POST", "/v1/chat/completions", chat(model="flaky-40", stream=i % 8 == 0))
            elif kind == 1:
                s = raw_request(mock.port, "POST", "/v1/messages", anthropic_body(model="flaky-40"), ANTHROPIC)
            elif kind == 2:
                s = raw_request(mock.port, "POST", gemini_path("flaky-40"), gemini_body(), GEMINI)
            else:
                s = raw_request(mock.port, "POST", "/api/chat", {**ollama_body(), "model": "flaky-40"}, OLLAMA)
            drain(s)
        reqs = call_json(mock.port, "GET", "/__mock/requests")[2]["requests"]
    finally:
        mock.stop()
    assert len(reqs) == n, len(reqs)
    return [q["fault"] for q in reqs]


def check_flaky(binary):
    a = flaky_run(binary, 7)
    assert a == flaky_run(binary, 7), "same seed, different faults"
    assert a != flaky_run(binary, 8), "different seeds, same faults"
    faults = [f for f in a if f is not None]
    assert set(faults) <= FLAKY_FAULTS, set(faults)
    assert 10 <= len(faults) <= 40, len(faults)  # 40 % of 60 = 24
    mock = Mock(binary)
    try:
        for model, want in (("flaky-0", None), ("flaky-100", FLAKY_FAULTS), ("fault-429", {"fault-429-7"}),
                            ("fault-slow-10", {"fault-slow-10"}), ("mock-model", None)):
            call(mock.port, "POST", "/__mock/reset")
            for _ in range(10):
                drain(raw_request(mock.port, "POST", "/v1/chat/completions", chat(model=model)))
            reqs = call_json(mock.port, "GET", "/__mock/requests")[2]["requests"]
            got = {q["fault"] for q in reqs}
            assert got == {None} if want is None else got <= want, (model, got)
            times = [q["received_at_ms"] for q in reqs]
            assert all(isinstance(t, (int, float)) and t > 0 for t in times), times
            assert times == sorted(times), times
        t0 = time.monotonic()
        call(mock.port, "POST", "/__mock/reset")
        call(mock.port, "POST", "/v1/chat/completions", chat())
        time.sleep(0.2)
        call(mock.port, "POST", "/v1/chat/completions", chat())
        reqs = call_json(mock.port, "GET", "/__mock/requests")[2]["requests"]
        gap = reqs[1]["received_at_ms"] - reqs[0]["received_at_ms"]
        assert 195 <= gap <= (time.monotonic() - t0) * 1000 + 1, gap
    finally:
        mock.stop()


def check_api_keys(binary):
    mock = Mock(binary, "--api-key", "sk-one", "--api-key", "sk-two", "--workers", "2")
    try:
        for key in ("sk-one", "sk-two"):
            assert call(mock.port, "GET", "/v1/models", headers={"Authorization": f"Bearer {key}"})[0] == 200
        status, _, body = call_json(mock.port, "GET", "/v1/models", headers={"Authorization": "Bearer sk-three-xyz"})
        error_of(status, body, 401, "invalid_request_error", "invalid_api_key")
        smoke_protocols.check_protocol_keys(mock.port)
    finally:
        mock.stop()


def main():
    global smoke_protocols, smoke_select
    import smoke_protocols  # the Anthropic, Gemini and Ollama checks; imports this file's helpers
    import smoke_select  # autoselect, classification and bag-of-words embeddings, on every protocol
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/aisbf-mock"
    mock = Mock(binary)
    try:
        for check in (check_chat, check_streams, check_models_embeddings, check_images, check_faults, check_hold,
                  check_keep_alive, smoke_protocols.check_anthropic, smoke_protocols.check_gemini, smoke_protocols.check_ollama,
                  smoke_protocols.check_responses, smoke_protocols.check_scripted_calls,
                  smoke_select.check_choice, smoke_select.check_shapes, smoke_select.check_classification,
                  smoke_select.check_faults_first, smoke_select.check_bag_of_words,
                  smoke_select.check_native_embeddings):
            check(mock.port)
            print(f"ok  {check.__name__}")
    finally:
        mock.stop()
    check_api_keys(binary)
    print("ok  check_api_keys")
    check_flaky(binary)
    print("ok  check_flaky")


if __name__ == "__main__":
    main()
