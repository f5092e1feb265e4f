"""Benchmark-only diagnostics, loaded into the gateway with PYTHONPATH=bench/diag (run_gateway.py --diag).

BENCH_GC_LOG=<file>: append one line per garbage-collector pass of generation 2
("gen2 <ms> <collected>"), and of generations 0/1 a running total at exit, to see GC pauses.
BENCH_GC_FREEZE=<file>: once that file exists (run_gateway.py creates it when the gateway is
ready), gc.collect() then gc.freeze() (moves everything alive at startup to the permanent
generation), to test what full collections cost the gateway. An experiment, not the product.
Nothing here runs unless one of the variables is set.
"""

import os

if os.environ.get("BENCH_GC_LOG") or os.environ.get("BENCH_GC_FREEZE"):
    import atexit
    import gc
    import threading
    import time

    _log = os.environ.get("BENCH_GC_LOG")
    _state = {"t": 0.0, "totals": [[0, 0.0], [0, 0.0], [0, 0.0]]}

    def _cb(phase, info):
        if phase == "start":
            _state["t"] = time.perf_counter()
            return
        ms = (time.perf_counter() - _state["t"]) * 1000
        gen = info["generation"]
        _state["totals"][gen][0] += 1
        _state["totals"][gen][1] += ms
        if gen == 2 and _log:
            with open(_log, "a") as fh:
                fh.write(f"gen2 {ms:.2f} {info['collected']} {time.time():.3f}\n")

    def _totals():
        if _log:
            with open(_log, "a") as fh:
                for gen, (n, ms) in enumerate(_state["totals"]):
                    fh.write(f"total gen{gen} passes={n} ms={ms:.1f}\n")

    gc.callbacks.append(_cb)
    atexit.register(_totals)

    if os.environ.get("BENCH_GC_FREEZE"):
        def _freeze(trigger=os.environ["BENCH_GC_FREEZE"]):
            while not os.path.exists(trigger):
                time.sleep(0.2)
            gc.collect()
            gc.freeze()
            if _log:
                with open(_log, "a") as fh:
                    fh.write(f"froze {gc.get_freeze_count()} objects\n")
        threading.Thread(target=_freeze, daemon=True, name="bench-gc-freeze").start()

if os.environ.get("BENCH_LEDGER_PATCH"):
    # Experiment: what the usage-ledger flush costs the event loop. "fast-rows" swaps
    # dataclasses.astuple (a recursive deep copy) for attrgetter in gateway.usage.ledger;
    # "no-flush" keeps rows in memory and never writes them (do not use for real).
    import sys as _sys
    import threading as _threading
    import time as _time

    def _patch(mode=os.environ["BENCH_LEDGER_PATCH"]):
        deadline = _time.monotonic() + 120
        while "gateway.usage.ledger" not in _sys.modules and _time.monotonic() < deadline:
            _time.sleep(0.02)
        ledger = _sys.modules.get("gateway.usage.ledger")
        if ledger is None:
            return
        if mode == "fast-rows":
            import operator

            ledger.astuple = operator.attrgetter(*ledger.COLUMNS)
        elif mode == "no-flush":
            ledger.Ledger.flush = lambda self: 0

    _threading.Thread(target=_patch, daemon=True, name="bench-ledger-patch").start()
