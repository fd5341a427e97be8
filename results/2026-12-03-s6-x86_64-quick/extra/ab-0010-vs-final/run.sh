#!/bin/bash
# Interleaved A/B of the contended set: owner 0001-0010 (s5's series) against the final owner and ft.
cd /work/main/bench/ownership
FT=/work/main/build/ft/install/bin/python3
OLD=/tmp/inst10/bin/python3.14t
NEW=/work/main/build/owner/install/bin/python3
for round in 1 2 3 4; do
  for v in FT OLD NEW; do
    eval py=\$$v
    $py -s contended.py --threads 2 --repeats 3 --scale 0.5 > /tmp/ab/contended-$v-r$round.json 2>>/tmp/ab/err.log
    $py -s steal_roundtrip.py --handoffs 20000 --seconds 3 > /tmp/ab/steal-$v-r$round.json 2>>/tmp/ab/err.log
  done
done
echo done
