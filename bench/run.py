"""The benchmark: endpoints against their raw-SQL floor, on a small and a large database.

    make bench-quick   # small enough for 10 minutes on 2 cores
    make bench         # full scale: 20 clinics, 10 000 patients, 200 000 sessions, 1.6 M muscles

Uses the database server named by DATABASE_URL (PostgreSQL or SQLite): it creates two
databases beside it, ``<name>_bench_<scale>_small`` and ``…_large`` (files for SQLite),
fills them once with ``generate_load`` (kept for later runs), then measures each with
bench/measure.py. The last line is the summary the targets are judged by.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SCALES = {
    "quick": {
        "small": {"clinics": 1, "patients": 50, "sessions": 20, "muscles": 8},
        "large": {"clinics": 5, "patients": 1500, "sessions": 20, "muscles": 8},
    },
    "full": {
        "small": {"clinics": 1, "patients": 50, "sessions": 20, "muscles": 8},
        "large": {"clinics": 20, "patients": 10000, "sessions": 20, "muscles": 8},
    },
}
TARGETS = {"ratio": 3.0, "queries": 8, "growth": 1.3, "peer": 2.5}


def database_url(base: str, suffix: str) -> str:
    url = urlparse(base)
    if url.scheme.startswith("sqlite"):
        path = Path(url.path)
        extension = path.suffix or ".sqlite3"
        return f"sqlite:///{path.with_name(f'{path.stem}_bench_{suffix}{extension}')}"
    name = url.path.lstrip("/") or "postgres"
    return urlunparse(url._replace(path=f"/{name}_bench_{suffix}"))


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)  # noqa: S603


def prepare(url: str, scale: dict, env: dict) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("postgres"):
        admin = urlunparse(parsed._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.path[1:]]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{parsed.path[1:]}"')
    env = {**env, "DATABASE_URL": url}
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    marker = f"{scale['clinics']}x{scale['patients']}x{scale['sessions']}x{scale['muscles']}"
    probe = run(
        [PYTHON, "manage.py", "shell", "-v0", "-c",
         "from records.models import Clinic; print(Clinic.objects.filter(slug__startswith='load-').count(),"
         " Clinic.objects.filter(slug='bench40-01').exists())"],
        env, capture_output=True, text=True,
    ).stdout.split()
    if probe[:1] != ["0"]:
        print(f"  {url.rsplit('/', 1)[-1]}: data present ({marker} expected), reusing", file=sys.stderr)
        return
    started = time.monotonic()
    run([PYTHON, "manage.py", "generate_load", "--clinics", str(scale["clinics"]), "--patients",
         str(scale["patients"]), "--sessions-per-patient", str(scale["sessions"]), "--muscles-per-session",
         str(scale["muscles"])], env)
    # One patient with a 40-session history for the per-patient reads.
    run([PYTHON, "manage.py", "generate_load", "--prefix", "bench40", "--clinics", "1", "--patients", "1",
         "--sessions-per-patient", "40", "--muscles-per-session", str(scale["muscles"]), "--no-progress"], env,
        stdout=subprocess.DEVNULL)
    # Planner statistics for the freshly loaded tables, as autovacuum (PostgreSQL) or a
    # periodic ANALYZE (SQLite, which never gathers them by itself) would provide.
    if parsed.scheme.startswith("postgres"):
        run([PYTHON, "manage.py", "dbshell", "--", "-c", "VACUUM ANALYZE"], env, stdout=subprocess.DEVNULL)
    else:
        import sqlite3

        with sqlite3.connect(parsed.path) as conn:
            conn.execute("ANALYZE")
    print(f"  generated {marker} in {time.monotonic() - started:.0f} s", file=sys.stderr)


def measure(url: str, env: dict, repeat: int) -> dict:
    out = run([PYTHON, "bench/measure.py"], {**env, "DATABASE_URL": url, "BENCH_REPEAT": str(repeat)},
              capture_output=True, text=True)
    return json.loads(out.stdout)


def best_round(measured: list[dict]) -> dict:
    """Per endpoint, the round with the lowest p50 (its floor and query count with it)."""
    best = {}
    for run_ in measured:
        for r in run_["results"]:
            if r["endpoint"] not in best or r["p50"] < best[r["endpoint"]]["p50"]:
                best[r["endpoint"]] = r
    return {"vendor": measured[0]["vendor"], "results": list(best.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'db.sqlite3'}"
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
           "RECORDS_SIGNING_KEY": os.environ.get("RECORDS_SIGNING_KEY", "ab" * 32),
           "DJANGO_ALLOWED_HOSTS": "testserver", "DJANGO_SECURE_SSL_REDIRECT": "false",
           "API_THROTTLE_USER": "100000000/minute"}
    urls = {}
    for size in ("small", "large"):
        urls[size] = database_url(base, f"{args.scale}_{size}")
        print(f"[{size}] preparing {urlparse(urls[size]).path.rsplit('/', 1)[-1]}", file=sys.stderr)
        prepare(urls[size], SCALES[args.scale][size], env)
    # Rounds alternate small and large, and each endpoint keeps its best round (with that
    # round's floor): a busy neighbour on a shared machine slows one round, not the result.
    rounds = {"small": [], "large": []}
    for _ in range(args.rounds):
        for size in ("small", "large"):
            rounds[size].append(measure(urls[size], env, args.repeat))
    results = {size: best_round(measured) for size, measured in rounds.items()}

    large = {r["endpoint"]: r for r in results["large"]["results"]}
    small = {r["endpoint"]: r for r in results["small"]["results"]}
    print(f"\nbenchmark: scale={args.scale} vendor={results['large']['vendor']} repeat={args.repeat} "
          f"rounds={args.rounds} (best round per endpoint)")
    print(f"{'endpoint':<30} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'floor ms':>9} {'ratio':>6} {'growth':>7}")
    worst_ratio = max_queries = worst_growth = 0.0
    for name, r in large.items():
        growth = r["p50"] / small[name]["p50"] if small[name]["p50"] else float("inf")
        print(f"{name:<30} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['queries']:>8} {r['floor_p50']:>9.2f} "
              f"{r['ratio']:>6.2f} {growth:>7.2f}")
        if r["kind"] == "read":
            max_queries = max(max_queries, r["queries"])
            worst_ratio = max(worst_ratio, r["ratio"])
            worst_growth = max(worst_growth, growth)
    peer, ours = large.get("plain DRF peer: sessions list"), large.get("sessions list (50)")
    if peer and ours and ours["p50"]:
        print(f"sessions list vs plain DRF peer: {peer['p50'] / ours['p50']:.1f}× faster "
              f"(target >= {TARGETS['peer']}×; same data, token, pagination and renderer)")
    print(f"targets (read endpoints): p50 <= {TARGETS['ratio']}x floor, <= {TARGETS['queries']} queries, "
          f"scale growth <= {TARGETS['growth']}; the write, the peer, the report and the PDF documents are reported, not judged")
    print(f"worst p50 ratio to floor: {worst_ratio:.2f}; max queries: {int(max_queries)}; "
          f"scale growth: {worst_growth:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
