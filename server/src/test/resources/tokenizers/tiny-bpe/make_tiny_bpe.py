"""Writes tokenizer.json: a small byte-level BPE for the prompt-bound tests (see README.md)."""
import json

bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
cs = bs[:]
n = 0
for b in range(256):
    if b not in bs:
        bs.append(b)
        cs.append(256 + n)
        n += 1
byte2u = {b: chr(c) for b, c in zip(bs, cs)}
vocab = {chr(c): i for i, c in enumerate(sorted(cs))}
merges = []


def add_merge(a, b):
    if a + " " + b in merges:
        return
    merges.append(a + " " + b)
    if a + b not in vocab:
        vocab[a + b] = len(vocab)


def add_word(w):
    """Merges that build w left to right from its bytes, as BPE training does for a frequent word."""
    syms = [byte2u[x] for x in w.encode("utf-8")]
    cur = syms[0]
    for s in syms[1:]:
        add_merge(cur, s)
        cur = cur + s


WORDS = """the be to of and a in that have I it for not on with he as you do at this but his by from they we say her
she or an will my one all would there their what so up out if about who get which go me when make can like time no just
him know take people into year your good some could them see other than then now look only come its over think also back
after use two how our work first well way even new want because any these give day most us is are was were been has had
did does said answer question questions help request assistant user system tool tools function functions call name
arguments argument type object string number integer description parameters properties required result response
weather city today date knowledge cutting December July helpful truthfully trained large research lab model image
quick brown fox jumps over lazy dog hello world there here what where please thanks You The What Hello Please Is
format inside XML tags JSON signatures holding given may more below environment ipython respond dictionary value
variables Do use content text role get_weather location unit celsius Paris London""".split()
for w in WORDS:
    add_word(w)
    add_word(" " + w)
for w in ["  ", "    ", "        ", "\n ", "\n  ", "\n   ", "\n    ", "\n     ", "\n       ", "\n\n", "\":", "\",", " \"",
          "{\"", "\"}", "}\n", "],", "},", "<|", "|>", "</", "\n<", ">\n"]:
    add_word(w)
added = []
for s in ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"]:
    vocab[s] = len(vocab)
    added.append({"id": vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True})
tokenizer = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                                  {"Sequence": {"id": "A", "type_id": 0}}],
                       "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                       "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [vocab["<|endoftext|>"]],
                                                            "tokens": ["<|endoftext|>"]}}},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
              "vocab": vocab, "merges": merges},
}
with open("tokenizer.json", "w", encoding="utf-8") as f:
    json.dump(tokenizer, f, ensure_ascii=False, indent=1)
