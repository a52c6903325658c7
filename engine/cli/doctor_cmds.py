"""``hearth doctor``: report versions, paths, hardware, llama.cpp backend, keyring and problems.

Exit code 0 when nothing stops Hearth from working (warnings allowed), 1 when a problem of
severity "error" was found. ``--json`` prints the full report as one JSON object.
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor", help="check the installation and show what Hearth sees",
                              description="Check the installation: versions, paths, hardware, "
                                          "llama.cpp backend, keyring, cloud mode, problems with fixes. "
                                          "Opens no network connection.")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--skip-llama", action="store_true",
                   help="do not start the llama.cpp probe process (faster)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds to wait for the llama.cpp probe (default 120)")
    # Internal: the probe child of a frozen (PyInstaller) build re-enters through here.
    p.add_argument("--probe-llama", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine import doctor

    if args.probe_llama:
        from engine.inference.probe import llama_probe_main

        llama_probe_main()
        return 0
    report = doctor.run_checks(llama=not args.skip_llama, llama_timeout_s=args.timeout)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print(doctor.format_report(report))
    return 0 if report.ok else 1
