#!/usr/bin/env python3
"""Golden fixtures for ChatTemplateGoldenTest: what vLLM's chat path makes of each conversation in
conversations.json, computed with the real Python stack (no Java involved).

For each conversation: the messages normalized as vLLM's chat_utils does (_parse_chat_message_content,
_postprocess_messages, tool.model_dump()), the template rendered with jinja2 configured as transformers
configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson,
raise_exception, strftime_now, the special tokens), the text tokenized with the `tokenizers` library
(add_special_tokens=False, as vLLM's chat path does) and vLLM's sha256_cbor block hashes (low 64 bits).

Run from the repository root (CI never runs it; it uses the committed golden.json):
  python3 -m venv /tmp/golden && /tmp/golden/bin/pip install jinja2 tokenizers cbor2
  (offline here: pip install --index-url file:///opt/pypi/simple ...; written with jinja2 3.1.6, tokenizers 0.23.2)
  /tmp/golden/bin/python server/src/test/resources/chat-templates/golden.py
"""
import hashlib
import json
import os
from datetime import datetime

import cbor2
import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER = os.path.join(HERE, "..", "tokenizers", "tiny-bpe", "tokenizer.json")
BLOCK_SIZE = 16
HASH_SEED = "sluice"
SPECIAL = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


def load_template(name):
    d = os.path.join(HERE, name)
    config = {}
    if os.path.exists(os.path.join(d, "tokenizer_config.json")):
        with open(os.path.join(d, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
    special = {}
    for k in SPECIAL:
        v = config.get(k)
        if isinstance(v, dict):
            v = v.get("content")
        if isinstance(v, str):
            special[k] = v
    jinja = os.path.join(d, "chat_template.jinja")
    if os.path.exists(jinja):
        with open(jinja, encoding="utf-8") as f:
            return f.read(), special
    t = config["chat_template"]
    if isinstance(t, list):
        t = {x["name"]: x["template"] for x in t}["default"]
    return t, special


def environment():
    # transformers.utils.chat_template_utils._compile_jinja_template
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def content_format(env, source):
    """vLLM's _detect_content_format, reduced: "openai" when a for loop iterates over some x['content']."""
    ast = env.parse(source)
    for loop in ast.find_all(jinja2.nodes.For):
        it = loop.iter
        if isinstance(it, jinja2.nodes.Getattr) and it.attr == "content":
            return "openai"
        if isinstance(it, jinja2.nodes.Getitem) and isinstance(it.arg, jinja2.nodes.Const) and it.arg.value == "content":
            return "openai"
    return "string"


def parse_message(message, fmt):
    # vllm.entrypoints.chat_utils._parse_chat_message_content (text parts only)
    role = message["role"]
    content = message.get("content")
    if content is None:
        content = []
    elif isinstance(content, str):
        content = [{"type": "text", "text": content}]
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type")
        text = part.get({"refusal": "refusal", "thinking": "thinking"}.get(kind, "text"))
        if text is None and kind in ("text", "refusal"):
            continue
        texts.append(text)
    if fmt == "openai":
        result = {"role": role, "content": [{"type": "text", "text": t} for t in texts]}
    else:
        result = {"role": role, "content": "\n".join(texts)}
    if role == "assistant":
        if message.get("tool_calls") is not None:
            result["tool_calls"] = [
                {"id": c["id"], "function": {"arguments": c["function"]["arguments"], "name": c["function"]["name"]},
                 "type": c["type"]} for c in message["tool_calls"]]
        if message.get("reasoning") is not None:
            result["reasoning"] = message["reasoning"]
            result["reasoning_content"] = message["reasoning"]
    elif role == "tool":
        if "tool_call_id" in message:
            result["tool_call_id"] = message["tool_call_id"]
        if isinstance(result["content"], list):
            result["content"] = "\n".join(p["text"] for p in result["content"])
    if isinstance(message.get("name"), str):
        result["name"] = message["name"]
    return result


def postprocess(messages):
    # vllm.entrypoints.chat_utils._postprocess_messages
    for m in messages:
        if m["role"] == "assistant" and "tool_calls" in m:
            if len(m["tool_calls"]) == 0:
                m.pop("tool_calls")
                continue
            for item in m["tool_calls"]:
                args = item["function"].get("arguments")
                if isinstance(args, str):
                    try:
                        item["function"]["arguments"] = json.loads(args)
                    except json.JSONDecodeError:
                        item["function"]["arguments"] = {}
                elif not isinstance(args, (dict, list)):
                    item["function"]["arguments"] = {}


def tool_dump(tool):
    # ChatCompletionToolsParam.model_dump(): declared fields with their defaults, then extras
    f = tool["function"]
    function = {"name": f["name"], "description": f.get("description"), "parameters": f.get("parameters")}
    function.update({k: v for k, v in f.items() if k not in function})
    return {"type": tool.get("type", "function"), "function": function}


def block_hashes(ids):
    parent = hashlib.sha256(cbor2.dumps(HASH_SEED, canonical=True)).digest()
    hashes = []
    for b in range(len(ids) // BLOCK_SIZE):
        block = tuple(ids[b * BLOCK_SIZE:(b + 1) * BLOCK_SIZE])
        parent = hashlib.sha256(cbor2.dumps((parent, block, None), canonical=True)).digest()
        hashes.append(str(int.from_bytes(parent, "big") & (2 ** 64 - 1)))
    return hashes


def main():
    env = environment()
    tokenizer = Tokenizer.from_file(TOKENIZER)
    with open(os.path.join(HERE, "conversations.json"), encoding="utf-8") as f:
        cases = json.load(f)
    out = {"blockSize": BLOCK_SIZE, "hashSeed": HASH_SEED, "cases": []}
    for case in cases:
        source, special = load_template(case["template"])
        fmt = content_format(env, source)
        body = case["body"]
        messages = [parse_message(m, fmt) for m in body["messages"]]
        postprocess(messages)
        tools = [tool_dump(t) for t in body["tools"]] if body.get("tools") is not None else None
        text = env.from_string(source).render(
            messages=messages, tools=tools, add_generation_prompt=body.get("add_generation_prompt", True),
            **special)
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        out["cases"].append({"name": case["name"], "contentFormat": fmt, "text": text, "ids": ids,
                             "hashes": block_hashes(ids)})
        print(f"{case['name']}: {len(text)} chars, {len(ids)} tokens, {len(ids) // BLOCK_SIZE} blocks ({fmt})")
    with open(os.path.join(HERE, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
