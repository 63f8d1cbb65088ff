"""The results of a run as Markdown tables: `python -m bench.report [results.json]`
(the newest file in bench/results/ by default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def markdown(run: dict) -> str:
    m = run["machine"]
    d = run["dataset"]
    counts = d.get("counts", {})
    gunicorn = run["server"]["gunicorn"]
    lines = [
        f"**{run['mode']} run, {run['date']}** — {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory']}, PostgreSQL {m['postgresql'].split()[0]} (shared_buffers "
        f"{m['postgresql_settings']['shared_buffers']}), Python {m['python']}, "
        f"Django {m['django']}, {m['gunicorn']} ({gunicorn['workers']} "
        f"{gunicorn['worker_class']} workers), {m['wrk']} "
        f"({run['load']['connections']} connections, {run['load']['seconds']} s per scenario "
        f"after {run['load']['warmup_seconds']} s warm-up), commit {m['commit']}; "
        f"load average {m['loadavg_at_start'][0]} at the start.",
        "",
        f"Data: {counts.get('cases_case', 0):,} cases, {counts.get('meetings_meeting', 0):,} "
        f"meetings, {counts.get('meetings_agendaitem', 0):,} agenda items, "
        f"{counts.get('minute_paragraphs', 0):,} minute paragraphs, "
        f"{d.get('verified', {}).get('rows', 0):,} search rows; database {m['database_size']}; "
        f"generated in {d.get('total_s', '?')} s"
        + (" (reused)" if d.get("reused") else "")
        + f". Floor {run['floor_rps']:,.0f} req/s (median; "
        f"{run['floor_range'][0]:,.0f}–{run['floor_range'][1]:,.0f} over the run). "
        f"Other processes on the machine used {run['other_load_cores']['median']} cores "
        f"(median; max {run['other_load_cores']['max']}) while it ran"
        + (
            f", and {run['unattributed_cores_median']} cores (median) went to processes too "
            "short-lived to attribute."
            if "unattributed_cores_median" in run
            else "."
        ),
        "",
        "× floor: throughput over the bare view's, measured right after each scenario. "
        "Server ms: one request alone, in process (of which database), with its queries; "
        "where a page caches its rendering (ADR 10, 11), first with the caches warm, then "
        '"cold": each request after emptying them, as the first visitor after a change.',
        "",
        "| Scenario | req/s | p50 ms | p95 ms | p99 ms | errors | × floor | server ms (DB) "
        "· queries | target | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in run["scenarios"]:
        lat = r["latency_ms"]
        verdict = r["verdict"]
        if verdict == "fails":
            verdict = f"**fails**: {'; '.join(r['reasons'])}"
        st = r.get("server_time")
        if r["group"] == "pdf":
            lines.append(
                f"| {r['title']} | — | {_ms(lat['p50'])} | {_ms(lat['max'])} (max) | — | "
                f"{r['error_count']} | — | cold {_ms(r['cold_ms'])}; {r['requests']} warm | "
                f"{r['target']} | {verdict} |"
            )
            continue
        if st:
            server = f"{_ms(st['median_ms'])} ({_ms(st['db_median_ms'])}) · {st['queries']}"
            if "cold_median_ms" in st:  # cached, then cold: the page caches emptied (ADR 11)
                server += (
                    f"; cold {_ms(st['cold_median_ms'])} ({_ms(st['cold_db_median_ms'])}) · "
                    f"{st['cold_queries']}"
                )
        elif r.get("one_client"):
            one = r["one_client"]["latency_ms"]
            server = f"1 client: p50 {_ms(one['p50'])}, p95 {_ms(one['p95'])}"
            alone = r.get("in_process")
            if alone:
                # The save and the page it redirects to, in process: median (DB) · queries.
                post, page = alone["post"], alone["page"]
                server += (
                    f"; save {_ms(post['median_ms'])} ({_ms(post['db_median_ms'])}) · "
                    f"{post['queries']}, page after it {_ms(page['median_ms'])} "
                    f"({_ms(page['db_median_ms'])}) · {page['queries']}"
                )
        else:
            server = "—"
        lines.append(
            f"| {r['title']} | {r['rps']:,.1f} | {_ms(lat['p50'])} | {_ms(lat['p95'])} | "
            f"{_ms(lat['p99'])} | {r['error_count']} | {r['ratio_to_floor']:.1%} | {server} | "
            f"{r['target'] or '—'} | {verdict} |"
        )
    dashes = "| — " * 7
    for row in run.get("skipped", []):
        lines.append(f"| {', '.join(row['names'])} {dashes}| — | could not run: {row['why']} |")
    for row in run["not_built"]:
        lines.append(f"| {row['title']} {dashes}| {row['target']} | {row['status']} |")
    lines += [
        "",
        "Database time of a search alone (query 1: the page's ids; query 2: the 20 shown rows "
        "with headlines), one at a time; the target is p95 ≤ 50 ms:",
        "",
        "| Search | query (rows matching) | ids p50 / p95 ms | rows p50 / p95 ms | "
        "total p50 / p95 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for r in run["scenarios"]:
        for q in r.get("db", {}).get("queries", []):
            n = next((x["matches"] for x in r["queries"] if x["query"] == q["query"]), "?")
            lines.append(
                f"| {r['title']} | `{q['query']}` ({n:,}) | "
                f"{_ms(q['ids']['p50_ms'])} / {_ms(q['ids']['p95_ms'])} | "
                f"{_ms(q['rows']['p50_ms'])} / {_ms(q['rows']['p95_ms'])} | "
                f"{_ms(q['total']['p50_ms'])} / {_ms(q['total']['p95_ms'])} |"
            )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else max(RESULTS_DIR.glob("*.json"))
    print(markdown(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
