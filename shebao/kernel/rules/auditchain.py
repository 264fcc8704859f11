"""The audit hash chain, as pure functions (no Django), so that a verifier can run
on an exported file as well as on the database."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "post",
    "region_code",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "request_id",
)

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def canonical_json(value: object) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, non-JSON types as str."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def scrub(value: object) -> object:
    """Mask anything shaped like an 18-character ID number (a safety net: services
    already pass masked values, but no audit row may hold a plaintext ID)."""
    if isinstance(value, str):
        return _ID_LIKE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], value)
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def entry_hash(prev_hash: str, entry: Mapping[str, object]) -> str:
    body = canonical_json({name: entry[name] for name in FIELDS})
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain broken at seq {self.seq}: {self.reason}"


def verify_chain(entries: Iterable[Mapping[str, object]], *, start_seq: int = 1, start_hash: str = GENESIS):
    """Return (count, first Break or None). Entries must come ordered by storage
    order of seq; gaps, repeats, edits and reordering are all reported."""
    expected_seq = start_seq
    prev = start_hash
    count = 0
    for entry in entries:
        seq = int(entry["seq"])  # type: ignore[arg-type]
        if seq != expected_seq:
            return count, Break(
                expected_seq, f"expected seq {expected_seq}, found {seq} (row missing, inserted or reordered)"
            )
        if entry["prev_hash"] != prev:
            return count, Break(seq, "prev_hash does not match the previous entry's hash")
        recomputed = entry_hash(prev, entry)
        if recomputed != entry["hash"]:
            return count, Break(seq, "content does not match its hash (entry edited)")
        prev = recomputed
        expected_seq += 1
        count += 1
    return count, None
