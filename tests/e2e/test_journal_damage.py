"""A damaged journal (SAFETY.md S16), with the real binary and a REAL journal: the one
excise wrote while applying the fault sweep's reference scenario (tests/e2e/lib/
excise_e2e/fault_scenario.py), on a root in the state that journal describes.

  * A bit flipped in any record (its checksum digits, the separator, its JSON, its
    newline): `excise rollback` refuses with a message that names the record and its byte
    offset (pinned here exactly), exits 1 and changes nothing at all: it never acts on a
    journal it cannot fully trust, so never on a partly read record, and damage before
    the records it would need leaves the root as it was.
  * Truncation (the file ends inside a record: a torn tail) at every record boundary and
    at offsets inside every record: `rollback --dry-run` reads exactly the complete
    records and says the last one is ignored; the steps it would undo are exactly those
    whose "begin" record is complete.
  * A torn tail for real: apply killed after writing record k but before syncing it
    (fail point journal.after-write), the record then cut at three places. Rollback
    proceeds and gives back the before-state exactly.
The variant counts are printed.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403
from excise_e2e.fault_scenario import copy_scenario, make_reference_scenario  # noqa: E402

TRUNCATION_STRIDE = 211  # plus every record boundary and the bytes around it


def base_dir() -> str:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def record_starts(data: bytes) -> list[int]:
    starts = [0]
    for i, b in enumerate(data):
        if b == 0x0A:
            starts.append(i + 1)
    return starts


class JournalDamage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_excise()
        cls.tmp = tempfile.mkdtemp(prefix="excise-e2e-", dir=base_dir())
        cls.template = make_reference_scenario(os.path.join(cls.tmp, "template"))
        cls.before = record(cls.template.root.path)
        cls.counts = {}

    @classmethod
    def tearDownClass(cls):
        remove_temp_dir(cls.tmp)
        print("\nS16 variants: " + ", ".join(f"{k} {v}" for k, v in cls.counts.items()),
              flush=True)

    def copy(self, name):
        return copy_scenario(self.template, os.path.join(self.tmp, name))

    def excise(self, *args, expect=None, env=None):
        r = run_excise(*args, env=env)
        if expect is not None:
            self.assertEqual(r.code, expect, str(r))
        return r

    def journal_path(self, sc):
        runs = os.path.join(sc.root.path, "var/lib/excise/runs")
        run = sorted(os.listdir(runs))[-1]
        return run, os.path.join(runs, run, "journal")

    def applied(self, name):
        sc = self.copy(name)
        self.excise("apply", "--yes", "--root", sc.root.path, sc.playbook, expect=0)
        run, path = self.journal_path(sc)
        with open(path, "rb") as f:
            return sc, run, path, f.read()

    def test_bit_flips_are_refused_and_change_nothing(self):
        sc, run, path, journal = self.applied("flips")
        after = record(sc.root.path)
        starts = record_starts(journal)
        records = len(starts) - 1
        state = os.path.join(sc.root.path, "var/lib/excise")
        variants = 0
        for k in range(records):
            s, e = starts[k], starts[k + 1]
            # first checksum digit, the separator, the JSON's first and middle and last
            # bytes, the newline
            for at in (s, s + 8, s + 9, (s + 9 + e) // 2, e - 2, e - 1):
                bit = (at * 3) % 8
                damaged = bytearray(journal)
                damaged[at] ^= 1 << bit
                with open(path, "wb") as f:
                    f.write(damaged)
                r = self.excise("rollback", "--last", "--yes", "--root", sc.root.path)
                variants += 1
                if at == e - 1 and k == records - 1:
                    why = (f"passes its checksum but has byte 0x{damaged[at]:02x} where its "
                           "newline belongs")
                elif at == s + 8 or (at == s and chr(damaged[at]) not in "0123456789abcdef"):
                    why = 'is not framed as "<crc32> <json>"'
                else:
                    why = "fails its checksum"
                trust = ("nothing in the journal can be trusted" if k == 0
                         else f"the journal cannot be trusted after record {k}")
                expected = (f"excise: error: the journal of run {run} is damaged: record {k + 1} "
                            f"at byte {s} {why}; {trust}; nothing was done. Inspect "
                            f"{state}/runs/{run} by hand\n")
                with self.subTest(record=k + 1, byte=at, bit=bit):
                    self.assertEqual(r.code, 1, str(r))
                    self.assertEqual(r.stderr, expected)
                    self.assertEqual(r.stdout, "")
        with open(path, "wb") as f:
            f.write(journal)
        # Nothing changed, through all of them (the journal is back as it was).
        self.assertEqual([str(d) for d in compare(after, record(sc.root.path),
                                                  exclude=ROLLBACK_RECORDS)], [])
        self.counts["bit flips"] = variants

    def test_truncation_reads_the_complete_records_only(self):
        sc, run, path, journal = self.applied("truncated")
        after = record(sc.root.path)
        starts = record_starts(journal)
        lines = [json.loads(journal[starts[i] + 9:starts[i + 1] - 1])
                 for i in range(len(starts) - 1)]
        cuts = set(range(0, len(journal), TRUNCATION_STRIDE))
        for s in starts:
            cuts |= {c for c in (s - 1, s, s + 1, s + 9) if 0 <= c <= len(journal)}
        for cut in sorted(cuts):
            with open(path, "wb") as f:
                f.write(journal[:cut])
            complete = sum(1 for s in starts[1:] if s <= cut)
            torn = cut not in starts
            begun = {r["seq"] for r in lines[:complete] if r["type"] == "begin"}
            r = self.excise("rollback", "--last", "--yes", "--dry-run", "--format", "json",
                            "--root", sc.root.path)
            with self.subTest(cut=cut, complete=complete, torn=torn):
                self.assertEqual(r.code, 0, str(r))
                if complete == 0:
                    self.assertFalse(r.json()["changed"])
                    continue
                self.assertEqual(("ends in a record that was never completed" in r.stderr), torn,
                                 r.stderr)
                undone = {s["seq"] for s in r.json()["steps"] if s["status"] == "undone"}
                self.assertEqual(undone, begun)
        with open(path, "wb") as f:
            f.write(journal)
        self.assertEqual([str(d) for d in compare(after, record(sc.root.path),
                                                  exclude=ROLLBACK_RECORDS)], [])
        self.counts["truncations (dry-run rollback)"] = len(cuts)

    def test_torn_tail_rolls_back_to_the_before_state(self):
        # Record k is written but not synced when the run dies; cut it at three places.
        sc, _, _, journal = self.applied("count")
        records = len(record_starts(journal)) - 1
        variants = 0
        for k in range(1, records + 1):
            for where in ("first byte", "middle", "all but the newline"):
                sc = self.copy(f"torn-{k}-{where.replace(' ', '-')}")
                r = self.excise("apply", "--yes", "--root", sc.root.path, sc.playbook,
                                env={"EXCISE_FAIL_POINTS": f"journal.after-write:{k}=kill"})
                self.assertEqual(r.code, -9, str(r))
                _, path = self.journal_path(sc)
                with open(path, "rb") as f:
                    data = f.read()
                s = record_starts(data)[-2]
                cut = {"first byte": s + 1, "middle": (s + len(data)) // 2,
                       "all but the newline": len(data) - 1}[where]
                with open(path, "wb") as f:
                    f.write(data[:cut])
                variants += 1
                with self.subTest(record=k, cut=where):
                    r = self.excise("rollback", "--last", "--yes", "--root", sc.root.path)
                    self.assertEqual(r.code, 0, str(r))
                    self.assertEqual([str(d) for d in sc.rollback_differences(self.before)], [])
                    if k > 1:
                        self.assertIn("ends in a record that was never completed", r.stderr)
                shutil.rmtree(sc.root.path)
        self.counts["torn tails (real rollback)"] = variants


if __name__ == "__main__":
    unittest.main(verbosity=2)
