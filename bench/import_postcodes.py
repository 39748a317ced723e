"""Postcode import speed: a generated ONSPD-layout CSV loaded by `undersigned import-postcodes`.

    python bench/import_postcodes.py                       # 2.7M rows into a fresh SQLite
    python bench/import_postcodes.py --rows 100000 --again # smaller, and time a re-import too
    python bench/import_postcodes.py --database-url postgres://postgres@127.0.0.1:5432/postgres

The file is written to a temporary folder with the columns of an ONSPD release (52 of them,
strings quoted, numbers not), valid postcodes that are random but the same on every run, a few
per cent terminated and a few without a location. The import runs in a child process exactly
as an operator would run it, against a freshly migrated database: SQLite in WAL mode in the
temporary folder, or a new PostgreSQL database made (and dropped) on the server given by
``--database-url``. Figures are the child's wall-clock time and peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from scratch import scratch

# The columns of ONSPD releases up to 2024 (area codes named after the area type) ...
LAYOUT_2024 = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,"
    "osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,"
    "casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,sicbl,bua24,ru11ind,"
    "oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,oa21,lsoa21,msoa21"
)
# ... and the later style, where each code column carries the year of its boundaries.
LAYOUT_2025 = (
    "pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty24cd,ced24cd,"
    "lad24cd,wd24cd,parncp24cd,nhser24cd,ctry24cd,rgn24cd,pcon24cd,eer20cd,ttwa15cd,itl24cd,"
    "npark24cd,oa11cd,lsoa11cd,msoa11cd,lsoa21cd,msoa21cd,wz11cd,sicbl24cd,bua24cd,ruc21ind,"
    "oac11ind,lat,long,lep21cd1,lep21cd2,pfa23cd,imd20ind,icb23cd,ccg19cd,calncv19cd,"
    "lau121cd,stp21cd,sensus21cd,bua22cd,nuts121cd,hlth19cd,ctyua24cd,oa01cd,lsoa01cd,msoa01cd"
)

# Real postcode areas (one or two letters), each given districts 1-29 below.
AREAS = re.findall(
    r"[A-Z]+",
    "AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
    "E EH EN EX FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS "
    "LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN "
    "SO SP SR SS ST SY TA TD TF TN TQ TR TS TW UB WA WD WF WN WR WS WV YO ZE",
)
DISTRICTS = range(1, 30)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # no C, I, K, M, O, V
WARDS_PER_AUTHORITY = 25
TERMINATED_SHARE = 0.04
NO_LOCATION_SHARE = 0.005


def _outward_codes() -> list[str]:
    return sorted(f"{area}{district}" for area in AREAS for district in DISTRICTS)


def _inward_codes() -> list[str]:
    return [
        f"{sector}{a}{b}" for sector in range(10) for a in INWARD_LETTERS for b in INWARD_LETTERS
    ]


def _row_template(layout: str, number: int) -> str:
    """A format string for one outward code's rows: area codes fixed, the rest left to fill."""
    authority = f"E{6000001 + number // 10:08d}"
    constituency = f"E{14000001 + number // 5:08d}"
    county, region, country = "E99999999", "E12000007", "E92000001"
    if layout == "2024":
        return (
            '"{pcd}","{pcd2}","{pcds}","{dointr}","{doterm}","' + county + '","E99999999","'
            f'{authority}","{{ward}}","E43000209","{{usertype}}","{{east}}","{{north}}","1",'
            f'"E18000007","E40000003","{country}","{region}","0","{constituency}","E15000007",'
            '"E99999999","E30000234","E16000052","E09000008","99ZZ00","E00005171","01C30",'
            '"E65000001","E01001025","E02000211","5","3C2","E00005171","E01001025","E02000211",'
            '"E33008010","E38000040","E63005164","A1","1C3",{lat},{long},"E37000051","",'
            '"E23000001",15789,"E56000001","E54000030","E00005171","E01001025","E02000211"\n'
        )
    return (
        '"{pcd}","{pcd2}","{pcds}","{dointr}","{doterm}","{usertype}","{east}","{north}","1",'
        f'"E00005171","{county}","E99999999","{authority}","{{ward}}","E43000209","E40000003",'
        f'"{country}","{region}","{constituency}","E15000007","E30000234","E09000008",'
        '"E65000001","E00005171","E01001025","E02000211","E01001025","E02000211","E33008010",'
        '"E38000040","E63005164","UN1","1C3",{lat},{long},"E37000051","","E23000001",15789,'
        '"E54000030","E38000040","E56000001","E06000018","E54000030","","E63005164",'
        '"UKI62","E18000007","E09000008","E00005171","E01001025","E02000211"\n'
    )


def csv_generate(path: Path, *, rows: int, layout: str = "2024", seed: int = 2024) -> int:
    """Write ``rows`` postcodes in ONSPD's layout to ``path``; returns the file's size."""
    rng = random.Random(seed)
    outwards = _outward_codes()
    inwards = _inward_codes()
    candidates = len(outwards) * len(inwards)
    if rows > candidates:
        raise SystemExit(f"at most {candidates:,} distinct postcodes can be generated")
    needed = rows
    remaining = candidates
    header = LAYOUT_2024 if layout == "2024" else LAYOUT_2025
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        for number, outward in enumerate(outwards):
            template = _row_template(layout, number)
            base_lat = 50.2 + (number % 60) * 0.12
            base_long = -5.2 + (number // 60 % 50) * 0.14
            first_ward = 5000001 + (number // 10) * WARDS_PER_AUTHORITY
            wards = [
                f"E{first_ward + (number * 7 + sector) % WARDS_PER_AUTHORITY:08d}"
                for sector in range(10)
            ]
            chunk = []
            for inward in inwards:
                # Selection sampling: exactly ``rows`` picks, in order, without holding a list.
                if rng.random() * remaining >= needed:
                    remaining -= 1
                    continue
                remaining -= 1
                needed -= 1
                draw = rng.random()
                if draw < NO_LOCATION_SHARE:
                    lat, long, east, north = "99.999999", "0.000000", "", ""
                else:
                    lat = f"{base_lat + rng.random() * 0.1:.6f}"
                    long = f"{base_long + rng.random() * 0.1:.6f}"
                    east, north = "530716", "0166043"
                chunk.append(
                    template.format(
                        pcd=f"{outward:<4}{inward}",
                        pcd2=f"{outward:<5}{inward}",
                        pcds=f"{outward} {inward}",
                        dointr="198001",
                        doterm=f"20{10 + number % 14}06" if draw > 1 - TERMINATED_SHARE else "",
                        ward=wards[int(inward[0])],
                        usertype="1" if draw < 0.02 else "0",
                        east=east,
                        north=north,
                        lat=lat,
                        long=long,
                    )
                )
            out.writelines(chunk)
    return path.stat().st_size


def _run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child process to the end; returns (seconds, peak RSS in MiB, its output)."""
    started = time.perf_counter()
    # The summary is a few lines, so the pipe cannot fill before the child ends; the progress
    # bar goes to stderr, straight to the terminal.
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    output = child.stdout.read()
    child.stdout.close()
    if code := os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(argv[3:5])} failed (exit code {code})\n{output}")
    # ru_maxrss is in KiB on Linux.
    return seconds, usage.ru_maxrss / 1024, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_700_000, help="rows to generate")
    parser.add_argument("--layout", choices=["2024", "2025"], default="2024")
    parser.add_argument("--csv", type=Path, help="import this file instead of generating one")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to run against (a new database is made on it, then dropped)",
    )
    parser.add_argument(
        "--again", action="store_true", help="import the same file a second time (updates)"
    )
    args = parser.parse_args()

    env = dict(os.environ)
    with scratch(label="postcodes", database_url=args.database_url, environ=env) as space:
        folder = space.folder
        if args.csv:
            csv_path = args.csv.resolve()
        else:
            csv_path = folder / f"ONSPD_BENCH_{args.layout}_UK.csv"
            started = time.perf_counter()
            size = csv_generate(csv_path, rows=args.rows, layout=args.layout)
            print(
                f"generated {args.rows:,} rows ({size / 2**20:,.0f} MiB, layout {args.layout}) "
                f"in {time.perf_counter() - started:.1f} s",
                flush=True,
            )

        engine = "SQLite (WAL)" if space.engine == "SQLite" else space.engine
        command = [sys.executable, "-m", "undersigned.cli"]
        subprocess.run([*command, "migrate", "--verbosity", "0"], env=env, check=True)
        runs = ["first import", "re-import"] if args.again else ["first import"]
        for label in runs:
            seconds, peak_mib, output = _run_measured(
                [*command, "import-postcodes", str(csv_path)], env
            )
            print(output.rstrip(), flush=True)
            summary = re.search(r"Read ([\d,]+) rows from .* in ([\d.]+) s", output)
            rows, importing = int(summary[1].replace(",", "")), float(summary[2])
            print(
                f"{engine}, {label}: {rows:,} rows in {importing:.1f} s = "
                f"{rows / importing:,.0f} rows/s (whole command, with Django's start-up: "
                f"{seconds:.1f} s), peak RSS {peak_mib:,.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
