# Expected block hashes for VllmBlockHashTest, computed independently of the Java code with cbor2 and hashlib the
# way vLLM's kv_cache_utils does (sha256_cbor, init_none_hash, generate_block_hash_extra_keys, hash_block_tokens):
# extra keys are LoRA name + multimodal keys + cache salt (first block only), None when there are none.
# Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install cbor2 && /tmp/v/bin/python vllm-block-hashes.py \
#        > vllm-block-hashes.jsonl
import hashlib
import json

import cbor2


def sha256_cbor(obj):
    return hashlib.sha256(cbor2.dumps(obj, canonical=True)).digest()


def chain(seed, tokens, block_size, lora=None, salt=None):
    parent = sha256_cbor(seed)  # NONE_HASH with PYTHONHASHSEED=seed
    out = []
    for start in range(0, len(tokens) - block_size + 1, block_size):
        keys = ([lora] if lora else []) + ([salt] if start == 0 and salt else [])
        extra = tuple(keys) if keys else None
        parent = sha256_cbor((parent, tuple(tokens[start:start + block_size]), extra))
        out.append("%016x" % (int.from_bytes(parent, "big") & (2**64 - 1)))
    return out


TOKENS = [1, 2, 3, 300, 70000, 5, 6, 2**31 - 1, 9]
CASES = [
    ("0", TOKENS, 4, None, None),
    ("0", TOKENS, 4, None, "tenant-a"),
    ("0", TOKENS, 4, None, "tenant-b"),
    ("0", TOKENS, 4, None, "a salt longer than twenty-three bytes, and then some: ünïcödé 日本"),
    ("0", TOKENS, 4, "sql-adapter", None),
    ("0", TOKENS, 4, "sql-adapter", "tenant-a"),
    ("42", list(range(100, 132)), 16, None, "x"),
]
for seed, tokens, bs, lora, salt in CASES:
    print(json.dumps({"seed": seed, "blockSize": bs, "tokens": tokens, "lora": lora, "salt": salt,
                      "hashes": chain(seed, tokens, bs, lora, salt)}, ensure_ascii=False))
