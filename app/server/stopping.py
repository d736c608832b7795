"""How `laborstats serve` runs uvicorn so that a stop loses nothing it need not.

On SIGTERM (a deploy, a supervisor) or Ctrl-C the server stops listening at once, so that
a new connection is refused rather than left waiting, gives the requests in flight
SHUTDOWN_TIMEOUT_S to finish, and ends what still runs: a streamed body then stops without
its last chunk, which every HTTP client reports as cut short. A SIGTERM ends with status 0.

uvicorn's own supervisor of several workers keeps the listening socket open until every
worker has exited, so that connections made meanwhile are accepted by the kernel and never
answered; `StopListeningFirst` closes it before it stops them. A supervisor killed outright
(SIGKILL, the OOM killer) cannot stop its workers: each stops by itself
(`stop_with_the_supervisor`), rather than serve on unwatched and keep a restarted server
from the port."""

import multiprocessing
import os
import signal
import sys
import threading
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess


class StopListeningFirst(Multiprocess):
    def terminate_all(self) -> None:
        for listening in self.sockets:  # the workers close their copies as they stop
            listening.close()
        super().terminate_all()


def stop_with_the_supervisor() -> None:
    """In a worker of the supervisor: stop, as on SIGTERM, once the supervisor is gone.
    Elsewhere (one worker, the CLI, tests) there is no supervisor, and nothing to do."""
    supervisor = multiprocessing.parent_process()
    if supervisor is None:
        return

    def stop_when_it_exits() -> None:
        supervisor.join()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=stop_when_it_exits, name="supervisor-watch", daemon=True).start()


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    """uvicorn raises the signal that stopped it again once it has shut down; a stop that
    was asked for is no failure."""
    raise SystemExit(0)


def run(config: uvicorn.Config) -> None:
    """Serve until stopped: in this process with one worker, else under the supervisor."""
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if config.workers > 1:
        StopListeningFirst(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
