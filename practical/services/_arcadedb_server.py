"""Run ArcadeDB with its Bolt (Neo4j protocol) plugin until SIGTERM.

Started as its own process by ``practical.services._local`` (never imported by the CLI), because
ArcadeDB runs inside a JVM that lives as long as the Python process that started it.
"""

from __future__ import annotations

import argparse
import signal
import threading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--root-path", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--database", default="neo4j")
    args = parser.parse_args()

    from arcadedb_embedded.server import ArcadeDBServer

    server = ArcadeDBServer(
        root_path=args.root_path,
        root_password=args.password,
        config={
            "host": args.host,
            "http_port": args.http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": args.bolt_port,
        },
    )
    server.start()
    # After the JVM started: it installs its own SIGTERM handler, which would otherwise win.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        server.create_database(args.database)
        print(f"arcadedb bolt listening on {args.host}:{args.bolt_port}", flush=True)
        stop.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
