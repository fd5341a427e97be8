"""Encoding nested dicts and lists to JSON with the C encoder, the work of pyperformance's json_dumps: a section on
every dict and list the encoder walks (a lock in ft, an ownership check in owner), dict iteration, and the strings
and numbers it formats."""

import json

RECORDS = [
    {
        "id": i,
        "name": f"record {i}",
        "score": i / 7,
        "tags": ["alpha", "beta", "gamma"][: i % 3 + 1],
        "active": i % 2 == 0,
        "owner": {"name": "ünïcode", "level": i % 5, "history": list(range(i % 4))},
    }
    for i in range(200)
]

size = 0
for _ in range(40):
    size += len(json.dumps(RECORDS))
    size += len(json.dumps(RECORDS, sort_keys=True, indent=2))
assert size > 0
