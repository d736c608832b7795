"""The examples in README.md and docs/*.md run, and answer what they show.

Every `sh` block that holds a `curl` command, or a command followed by the output it
shows, is an example. A page's examples run in order, as a reader pasting them into one
terminal would: variables set by `NAME=$(...)` carry on (a token, an ETag), files written
by `curl -o` or `>>` are there for `--data-binary @file`, and `export DATABASE_URL=...`
holds for the commands after it.

- `curl` goes to the real app, in this process, for the server on the URL's port. Port
  8000 is the Quick start's `laborstats serve`: a fresh copy of the seeded database, the
  reader's own (`laborstats.db`). `laborstats serve --port N [--workers W] &` starts the
  app for port N over the database DATABASE_URL names, as one of W workers (the share of
  the rate limits one worker enforces). Each DATABASE_URL other than the default is a
  database of its own, created empty, as a new SQLite file would be.
- Every other `laborstats` command runs for real, on the database DATABASE_URL names, in
  a folder of its own where the repository's `seed/` and `docs/` are, as in the
  repository's folder.
- A write (any method but GET, HEAD and OPTIONS) to the reader's database fails the test:
  write examples use a scratch database.
- Each request must succeed (2xx), unless the output shown under it is a problem with its
  `status`. The comment lines right under a command (no blank line between) are the output
  it shows, and must be what it answers: JSON (the keys and values shown), an HTTP head
  (`HTTP/1.1 201 Created`, `name: value` lines), or text; `...` stands for what is left
  out (members, items, words) and is not compared.

A line the test cannot run as the shell would (a command, option or filter it does not
know) fails it, rather than being skipped."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from tests.conftest import Databases, make_client

DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
LABORSTATS = Path(sys.executable).parent / "laborstats"
READER_DATABASE = "sqlite:///laborstats.db"  # DATABASE_URL's default: the reader's own data
QUICK_START_PORT = 8000
# What the examples read of the repository (the seed's files), as a reader in its folder.
REPOSITORY_FOLDERS = ("seed", "docs")
HOST = "127.0.0.1"
SHELL = {"sh", "shell", "bash"}
READS = {"GET", "HEAD", "OPTIONS"}
# What curl sends of its own accord: no Accept-Encoding, so answers are not compressed.
CURL_HEADERS = {"user-agent": "curl/7.88.1", "accept": "*/*"}
HTTP_STATUS_LINE = re.compile(r"HTTP/[\d.]+ (\d{3})\b")
HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9-]*): (.*)")
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
MARK = "@@{}@@"  # a variable's place, filled in once the words are split
ELIDED = ...  # `...` in shown JSON: a value, member or item left out


def fail(where: str, message: str) -> None:
    raise AssertionError(f"{where}: {message}")


# -- Reading the examples -----------------------------------------------------------------


@dataclass
class Command:
    where: str  # document:line
    text: str  # as the shell reads it: continued lines joined
    shown: list[str] = field(default_factory=list)  # the comment lines under it

    @property
    def program(self) -> str:
        words = self.text.split()
        return Path(words[0]).name if words else ""

    @property
    def runs_curl(self) -> bool:
        return re.search(r"(^|[|&;(]\s*|\$\()curl\s", self.text) is not None


def code_blocks(markdown: str) -> Iterator[tuple[int, str, list[str]]]:
    """Each fenced code block: the line of its first line, its language, its lines."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[i])
        i += 1
        if not opening:
            continue
        indent, fence, language = opening.groups()
        start, body = i + 1, []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1
        yield start, language, body


def complete(text: str) -> bool:
    """Whether the shell would run `text` as it is, without reading another line."""
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # a quote still open
        return False
    return True


def commands_of(name: str, start: int, lines: list[str]) -> list[Command]:
    commands: list[Command] = []
    showing = False  # the lines right under a command show its output
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            showing = False
        elif line.lstrip().startswith("#"):
            if showing:
                commands[-1].shown.append(line.lstrip()[1:].strip())
        else:
            first, text = i, line
            while not complete(text) and i + 1 < len(lines):
                i += 1
                if text.rstrip().endswith("\\"):
                    text = text.rstrip()[:-1] + " " + lines[i].rstrip()
                else:
                    text = text + "\n" + lines[i].rstrip()
            commands.append(Command(f"{name}:{start + first}", text))
            showing = True
        i += 1
    return commands


def examples_of(name: str, markdown: str) -> list[list[Command]]:
    """The example blocks of a document, each a list of commands."""
    blocks = []
    for start, language, lines in code_blocks(markdown):
        if language not in SHELL:
            continue
        commands = commands_of(name, start, lines)
        if any(command.runs_curl or command.shown for command in commands):
            blocks.append(commands)
    return blocks


def document_name(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


# -- Comparing what is shown with what is answered -----------------------------------------


def words(text: str) -> str:
    return " ".join(text.split())


def in_order(
    pattern: Sequence[Any], actual: Sequence[Any], same: Callable[[Any, Any], bool]
) -> bool:
    """Whether `actual` holds the pattern's runs of items, in order, with anything where the
    pattern has ELIDED (and nothing else: a pattern not starting or ending with ELIDED is
    anchored there)."""
    runs: list[list[Any]] = [[]]
    for item in pattern:
        if item is ELIDED:
            runs.append([])
        else:
            runs[-1].append(item)

    def matches_at(run: list[Any], at: int) -> bool:
        return at + len(run) <= len(actual) and all(
            same(item, actual[at + k]) for k, item in enumerate(run)
        )

    if len(runs) == 1:
        return len(runs[0]) == len(actual) and matches_at(runs[0], 0)
    first, *middle, last = runs
    if not matches_at(first, 0):
        return False
    at = len(first)
    for run in middle:
        found = next((k for k in range(at, len(actual) + 1) if matches_at(run, k)), None)
        if found is None:
            return False
        at = found + len(run)
    end = len(actual) - len(last)
    return end >= at and matches_at(last, end)


def text_matches(shown: str, answer: str) -> bool:
    """Word for word (whitespace aside), `...` standing for any words."""
    pieces = words(shown).split("...")
    answer = words(answer)
    if len(pieces) == 1:
        return pieces[0] == answer
    first, *middle, last = (piece.strip() for piece in pieces)
    if not answer.startswith(first) or not answer.endswith(last):
        return False
    at = len(first)
    for piece in middle:
        found = answer.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return at <= len(answer) - len(last)


def brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "…"


def differences(shown: Any, answer: Any, path: str = "") -> list[str]:
    """Where the answer is not what is shown: the keys and values shown, no more."""
    where = path or "the answer"
    if shown is ELIDED:
        return []
    if isinstance(shown, dict):
        if not isinstance(answer, dict):
            return [f"{where}: shown an object, answered {brief(answer)}"]
        found = []
        for key, value in shown.items():
            if key not in answer:
                found.append(f"{path}.{key}: shown, but not in the answer {brief(answer)}")
            else:
                found += differences(value, answer[key], f"{path}.{key}")
        return found
    if isinstance(shown, list):
        if not isinstance(answer, list):
            return [f"{where}: shown a list, answered {brief(answer)}"]
        if ELIDED not in shown:
            if len(shown) != len(answer):
                return [f"{where}: shown {len(shown)} items, answered {len(answer)}"]
            return [
                found
                for k, (item, answered) in enumerate(zip(shown, answer, strict=True))
                for found in differences(item, answered, f"{path}[{k}]")
            ]
        if not in_order(shown, answer, lambda s, a: not differences(s, a)):
            return [f"{where}: the items shown are not, in order, in {brief(answer)}"]
        return []
    if isinstance(shown, str):
        if not isinstance(answer, str) or not text_matches(shown, answer):
            return [f"{where}: shown {shown!r}, answered {brief(answer)}"]
        return []
    if isinstance(shown, bool) != isinstance(answer, bool) or shown != answer:
        return [f"{where}: shown {brief(shown)}, answered {brief(answer)}"]
    return []


class ShownJson:
    """JSON as the docs show it: `...` may stand for a value, a member or an item."""

    decoder = json.JSONDecoder()

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def parse(self) -> Any:
        value = self.value()
        self.space()
        if self.at != len(self.text):
            raise ValueError(f"unexpected {self.text[self.at : self.at + 30]!r}")
        return value

    def space(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def elided(self) -> bool:
        self.space()
        if self.text.startswith("...", self.at):
            self.at += 3
            return True
        return False

    def expect(self, character: str) -> None:
        self.space()
        if not self.text.startswith(character, self.at):
            raise ValueError(f"expected {character!r} at {self.text[self.at : self.at + 30]!r}")
        self.at += 1

    def ends(self, character: str) -> bool:
        self.space()
        if self.text.startswith(character, self.at):
            self.at += 1
            return True
        return False

    def value(self) -> Any:
        if self.elided():
            return ELIDED
        if self.ends("{"):
            members: dict[str, Any] = {}
            while not self.ends("}"):
                if not self.elided():
                    key = self.value()
                    if not isinstance(key, str):
                        raise ValueError(f"a key that is not a string: {key!r}")
                    self.expect(":")
                    members[key] = self.value()
                if not self.ends(","):
                    self.expect("}")
                    break
            return members
        if self.ends("["):
            items: list[Any] = []
            while not self.ends("]"):
                items.append(self.value())
                if not self.ends(","):
                    self.expect("]")
                    break
            return items
        value, self.at = self.decoder.raw_decode(self.text, self.at)
        return value


@dataclass
class Result:
    output: str  # what the command printed
    response: httpx.Response | None = None  # the answer, if it was a request
    head_printed: bool = False  # curl -i: the head, a blank line, then the body


def check_shown(command: Command, result: Result) -> None:
    """The answer's status, and what the comments under the command show of it."""
    response, shown = result.response, list(command.shown)
    expected: int | None = None
    head: list[str] = []
    if shown and (HTTP_STATUS_LINE.match(shown[0]) or HEADER_LINE.fullmatch(shown[0])):
        while shown and shown[0]:
            head.append(shown.pop(0))
        shown = shown[1:]
    for line in head:
        if line == "...":
            continue
        if status := HTTP_STATUS_LINE.match(line):
            expected = int(status[1])
            continue
        header = HEADER_LINE.fullmatch(line)
        if header is None or response is None:
            fail(command.where, f"the head shown has a line that is not a header: {line!r}")
        name, value = header[1], header[2]
        answered = response.headers.get_list(name)
        if not any(text_matches(value, each) for each in answered):
            fail(command.where, f"shown {name}: {value}, answered {answered or 'no such header'}")
    if shown:
        printed = result.output
        if result.head_printed:
            printed = printed.replace("\r\n", "\n").split("\n\n", 1)[-1]
        text = " ".join(shown)
        if text.startswith(("{", "[")):
            try:
                value = ShownJson(text).parse()
            except ValueError as exc:
                fail(command.where, f"the JSON shown does not parse: {exc}")
            try:
                answer = json.loads(printed)
            except json.JSONDecodeError:
                answer = response.json() if response is not None else printed
            if isinstance(value, dict) and isinstance(value.get("status"), int):
                expected = value["status"]
            found = differences(value, answer)
            if found:
                fail(command.where, "what is shown is not what is answered: " + "; ".join(found))
        elif not text_matches(text, printed or (response.text if response is not None else "")):
            fail(command.where, f"shown {words(text)!r}, printed {words(printed)[:400]!r}")
    if response is not None:
        status = response.status_code
        if expected is not None and status != expected:
            fail(command.where, f"shown status {expected}, answered {status}: {response.text}")
        if expected is None and not 200 <= status < 300:
            fail(command.where, f"answered {status}, and no problem is shown: {response.text}")


# -- Running them ------------------------------------------------------------------------


@dataclass
class Server:
    client: TestClient
    database: str  # DATABASE_URL as the example wrote it


@dataclass
class Ran:
    commands: int = 0
    requests: int = 0
    shown: int = 0


class Terminal:
    """A reader's terminal: its variables, what it exported, its files, its servers."""

    def __init__(self, databases: Databases, workdir: Path) -> None:
        self.databases, self.workdir = databases, workdir
        for folder in REPOSITORY_FOLDERS:  # the reader works in the repository's folder
            if not (workdir / folder).exists():
                (workdir / folder).symlink_to(PROJECT_ROOT / folder, target_is_directory=True)
        self.variables: dict[str, str] = {}
        self.exported: dict[str, str] = {}
        self.database_of = {READER_DATABASE: databases.copy(databases.seeded)}
        self.servers: dict[int, Server] = {}
        self.ran = Ran()
        self.serve(QUICK_START_PORT, READER_DATABASE, workers=1)

    def close(self) -> None:
        for server in self.servers.values():
            server.client.__exit__(None, None, None)

    def database(self, written: str) -> str:
        """The test's database for a DATABASE_URL: a new one is created empty."""
        if written not in self.database_of:
            self.database_of[written] = self.databases.copy(self.databases.migrated)
        return self.database_of[written]

    def serve(self, port: int, written: str, *, workers: int) -> None:
        if port in self.servers:
            self.servers.pop(port).client.__exit__(None, None, None)
        settings = Settings(
            database_url=self.database(written), migrate_on_start=False, rate_limit_workers=workers
        )
        client = TestClient(create_app(settings), base_url=f"http://{HOST}:{port}")
        client.__enter__()
        client.headers = httpx.Headers(CURL_HEADERS)
        self.servers[port] = Server(client, written)

    # The shell's part: lines, variables, pipes, redirections.

    def run(self, command: Command) -> None:
        self.ran.commands += 1
        today = datetime.now(UTC).date()
        text = command.text.replace("$(date -u +%F)", today.isoformat())
        text = text.replace("$(date -u -d yesterday +%F)", (today - timedelta(1)).isoformat())
        text = re.sub(r"(?<=\s)2>\s*\S+", "", text)  # standard error goes where it may
        assignment = re.fullmatch(r"(\w+)=\$\((.*)\)", text.strip(), re.DOTALL)
        if assignment:
            result = self.pipeline(self.split(assignment[2], command), command)
            self.variables[assignment[1]] = result.output.rstrip("\n")
        else:
            if "$(" in text:
                fail(command.where, "the test knows no command substitution but NAME=$(...)")
            result = Result("")
            for part in self.sequence(self.split(text, command)):
                result = self.pipeline(part, command)
        if command.shown:
            self.ran.shown += 1
        check_shown(command, result)

    def split(self, text: str, command: Command) -> list[str]:
        values = {**self.exported, **self.variables}

        def mark(match: re.Match[str]) -> str:
            name = match[1] or match[2]
            if name not in values:
                fail(command.where, f"${name} is set by no line before this one")
            return MARK.format(name)

        lexer = shlex.shlex(VARIABLE.sub(mark, text), posix=True, punctuation_chars="|&;<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        pattern = re.compile(MARK.format(r"(\w+)"))
        return [pattern.sub(lambda m: values[m[1]], word) for word in lexer]

    def sequence(self, words: list[str]) -> Iterator[list[str]]:
        part: list[str] = []
        for word in [*words, "&&"]:
            if word == "&&":
                if part:
                    yield part
                part = []
            else:
                part.append(word)

    def pipeline(self, words: list[str], command: Command) -> Result:
        background = bool(words) and words[-1] == "&"
        words = words[:-1] if background else words
        redirect = None
        for operator in (">>", ">"):
            if operator in words:
                at = words.index(operator)
                redirect, words = (operator, words[at + 1 :]), words[:at]
        if any(word in (";", "<", "&") for word in words):
            fail(command.where, f"the test runs no {words}")
        stages: list[list[str]] = [[]]
        for word in words:
            if word == "|":
                stages.append([])
            else:
                stages[-1].append(word)
        result = self.program(stages[0], command, background=background)
        for stage in stages[1:]:
            result.output = self.filter(stage, result.output, command)
        if redirect:
            operator, target = redirect
            mode = "a" if operator == ">>" else "w"
            with open(self.workdir / target[0], mode, encoding="utf-8") as file:
                file.write(result.output)
            result.output = ""
        return result

    def program(self, words: list[str], command: Command, *, background: bool) -> Result:
        env: dict[str, str] = {}
        while words and re.fullmatch(r"\w+=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if not words:
            fail(command.where, "no command")
        name, args = Path(words[0]).name, words[1:]
        if background and not (name == "laborstats" and args[:1] == ["serve"]):
            fail(command.where, "only `laborstats serve` is run in the background here")
        if name == "curl":
            return self.curl(args, command)
        if name == "laborstats":
            return Result(self.laborstats(args, env, command, background=background))
        if name == "echo":
            return Result(" ".join(args) + "\n")
        if name == "export":
            for assignment in args:
                variable, _, value = assignment.partition("=")
                self.exported[variable] = value
            return Result("")
        fail(command.where, f"the test does not know how to run {name!r}")
        raise AssertionError  # unreachable: fail raised

    def filter(self, words: list[str], text: str, command: Command) -> str:
        name, args = words[0], words[1:]
        lines = text.splitlines(keepends=True)
        if name == "jq":
            jq = shutil.which("jq")
            if jq is None:  # what is shown is compared with the answer itself
                return text
            done = subprocess.run([jq, *args], input=text, capture_output=True, text=True)
            if done.returncode:
                fail(command.where, f"jq {args} failed: {done.stderr}")
            return done.stdout
        if words == ["tr", "-d", "\\r"]:
            return text.replace("\r", "")
        if name == "sed" and args[:1] == ["-n"] and len(args) == 2:
            edit = re.fullmatch(r"s/([^/]*)/([^/]*)/(i?)p", args[1])
            if edit:
                flags = re.IGNORECASE if edit[3] else 0
                return "".join(
                    re.sub(edit[1], edit[2], line, count=1, flags=flags)
                    for line in lines
                    if re.search(edit[1], line, flags)
                )
        if name == "grep" and args and set(args[:-1]) <= {"-i"}:
            flags = re.IGNORECASE if "-i" in args else 0
            return "".join(line for line in lines if re.search(args[-1], line, flags))
        if name in ("tail", "head") and len(args) == 2 and args[0] == "-n":
            count = int(args[1])
            return "".join(lines[-count:] if name == "tail" else lines[:count])
        fail(command.where, f"the test does not know the filter {' '.join(words)!r}")
        raise AssertionError  # unreachable: fail raised

    # The programs.

    def database_url(self, env: dict[str, str]) -> str:
        return env.get("DATABASE_URL") or self.exported.get("DATABASE_URL") or READER_DATABASE

    def laborstats(
        self, args: list[str], env: dict[str, str], command: Command, *, background: bool
    ) -> str:
        written = self.database_url(env)
        if args[:1] == ["serve"]:
            if not background:
                fail(command.where, "`laborstats serve` without `&` keeps the lines after it")
            options = dict(zip(args[1::2], args[2::2], strict=False))
            unknown = set(options) - {"--host", "--port", "--workers"}
            if unknown or len(args[1:]) % 2:
                fail(command.where, f"serve options the test does not know: {args[1:]}")
            port = int(options.get("--port", QUICK_START_PORT))
            self.serve(port, written, workers=int(options.get("--workers", 1)))
            return ""
        done = subprocess.run(
            [str(LABORSTATS), *args],
            env={**os.environ, **self.exported, **env, "DATABASE_URL": self.database(written)},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            fail(command.where, f"laborstats {args} exited {done.returncode}: {done.stderr}")
        return done.stdout

    def curl(self, args: list[str], command: Command) -> Result:
        flags: set[str] = set()
        method = url = output = None
        headers: list[tuple[str, str]] = []
        data: bytes | None = None
        long_flags = {"--silent": "s", "--show-error": "S", "--fail": "f", "--include": "i"}
        long_flags |= {"--head": "I", "--retry-connrefused": "retry"}
        long_values = {"--request": "X", "--header": "H", "--data": "d", "--output": "o"}
        long_values |= {"--data-binary": "b", "--retry": "retry"}  # retries: one answer here
        i = 0
        while i < len(args):
            arg = args[i]
            options: list[tuple[str, str | None]] = []
            if arg in long_flags:
                options.append((long_flags[arg], None))
            elif arg in long_values and i + 1 < len(args):
                i += 1
                options.append((long_values[arg], args[i]))
            elif arg.startswith("-") and len(arg) > 1 and not arg.startswith("--"):
                for k, letter in enumerate(arg[1:], start=1):
                    if letter in "sSfiI":
                        options.append((letter, None))
                    elif letter in "XHdo":
                        value = arg[k + 1 :]
                        if not value:
                            i += 1
                            value = args[i]
                        options.append((letter, value))
                        break
                    else:
                        fail(command.where, f"curl option the test does not know: {arg}")
            elif arg.startswith("-"):
                fail(command.where, f"curl option the test does not know: {arg}")
            elif url is None:
                url = arg
            else:
                fail(command.where, f"curl with two URLs: {url}, {arg}")
            for letter, value in options:
                if value is None:
                    flags.add(letter)
                elif letter == "X":
                    method = value
                elif letter == "H":
                    name, _, header_value = value.partition(":")
                    headers.append((name.strip(), header_value.strip()))
                elif letter == "o":
                    output = value
                elif letter in ("d", "b"):
                    data = self.body(value, binary=letter == "b", command=command)
            i += 1
        if url is None:
            fail(command.where, "curl with no URL")
        target = httpx.URL(url)
        if target.host != HOST or target.port not in self.servers:
            fail(command.where, f"no server runs at {url} (start it in an example first)")
        server = self.servers[target.port or 80]
        method = method or ("HEAD" if "I" in flags else "POST" if data is not None else "GET")
        if data is not None and not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        if method not in READS and server.database == READER_DATABASE:
            fail(command.where, f"{method} writes to the reader's own {READER_DATABASE}")
        response = server.client.request(method, url, headers=headers, content=data)
        self.ran.requests += 1
        if "f" in flags and response.status_code >= 400:
            fail(command.where, f"curl -f fails: {response.status_code} {response.text}")
        head = f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n" + "".join(
            f"{name.decode()}: {value.decode()}\r\n" for name, value in response.headers.raw
        )
        if output is not None:
            (self.workdir / output).write_bytes(response.content)
            return Result("", response)
        if "I" in flags:
            return Result(head + "\r\n", response)
        if "i" in flags:
            return Result(head + "\r\n" + response.text, response, head_printed=True)
        return Result(response.text, response)

    def body(self, value: str, *, binary: bool, command: Command) -> bytes:
        if not value.startswith("@"):
            return value.encode()
        path = self.workdir / value[1:]
        if not path.exists():
            fail(command.where, f"{value[1:]} was written by no example before this one")
        content = path.read_bytes()
        return content if binary else content.replace(b"\r", b"").replace(b"\n", b"")


def run_examples(name: str, markdown: str, databases: Databases, workdir: Path) -> Ran:
    """Run a document's examples in order, in one terminal; fail at the first that does not
    do what it shows."""
    terminal = Terminal(databases, workdir)
    try:
        for block in examples_of(name, markdown):
            for command in block:
                terminal.run(command)
    finally:
        terminal.close()
    return terminal.ran


EXAMPLE_DOCUMENTS = [
    path for path in DOCUMENTS if examples_of(document_name(path), path.read_text("utf-8"))
]


@pytest.mark.parametrize("document", EXAMPLE_DOCUMENTS, ids=document_name)
def test_each_pages_examples_run_and_answer_what_they_show(
    document: Path, databases: Databases, tmp_path: Path
) -> None:
    name = document_name(document)
    ran = run_examples(name, document.read_text("utf-8"), databases, tmp_path)
    assert ran.requests > 0, f"{name}: no request was made"


def test_the_examples_are_found_where_readers_find_them() -> None:
    found = {
        document_name(path): [
            command
            for block in examples_of(document_name(path), path.read_text("utf-8"))
            for command in block
        ]
        for path in DOCUMENTS
    }
    curls = {name: sum(c.runs_curl for c in commands) for name, commands in found.items()}
    shown = sum(bool(c.shown) for commands in found.values() for c in commands)
    assert curls["README.md"] >= 5, curls
    assert curls["docs/api.md"] >= 25, curls
    assert curls["docs/editing.md"] >= 12, curls
    assert sum(curls.values()) >= 45, curls
    assert shown >= 35, shown


# -- The test can fail ---------------------------------------------------------------------

README = (PROJECT_ROOT / "README.md").read_text("utf-8")


def readme_block(marker: str) -> str:
    """The README's example block that holds `marker`, as a document of its own."""
    blocks = re.findall(r"```sh\n.*?```\n", README, re.DOTALL)
    (block,) = [block for block in blocks if marker in block]
    return block


def test_a_wrong_value_shown_fails(databases: Databases, tmp_path: Path) -> None:
    block = readme_block("orgin=PRK")
    assert "Did you mean origin or region?" in block
    run_examples("right.md", block, databases, tmp_path)
    wrong = block.replace("Did you mean origin or region?", "Did you mean original?")
    with pytest.raises(AssertionError, match=r"\.detail: shown"):
        run_examples("wrong.md", wrong, databases, tmp_path)


def test_a_wrong_number_or_list_shown_fails(databases: Databases, tmp_path: Path) -> None:
    block = readme_block("metric=nationals_entered")
    assert '"high":13000' in block
    with pytest.raises(AssertionError, match=r"\.high: shown 12000, answered 13000"):
        run_examples("wrong.md", block.replace('"high":13000', '"high":12000'), databases, tmp_path)
    one_more = block.replace('{"id":3,', '{"id":3},{"id":4,')
    with pytest.raises(AssertionError, match="shown 2 items, answered 1"):
        run_examples("wrong.md", one_more, databases, tmp_path)


def test_a_key_the_answer_lacks_or_a_wrong_status_fails(
    databases: Databases, tmp_path: Path
) -> None:
    block = readme_block("orgin=PRK")
    with pytest.raises(AssertionError, match=r"\.suggestions: shown, but not in the answer"):
        run_examples("wrong.md", block.replace('"unknown":', '"suggestions":'), databases, tmp_path)
    with pytest.raises(AssertionError, match=r"\.status: shown 404, answered 400"):
        run_examples("wrong.md", block.replace('"status":400', '"status":404'), databases, tmp_path)
    head = "```sh\ncurl -i 'http://127.0.0.1:8000/v1'\n# HTTP/1.1 404 Not Found\n# ...\n```\n"
    with pytest.raises(AssertionError, match="shown status 404, answered 200"):
        run_examples("wrong.md", head, databases, tmp_path)
    unshown = "```sh\ncurl 'http://127.0.0.1:8000/v1/observations?orgin=PRK'\n```\n"
    with pytest.raises(AssertionError, match="answered 400, and no problem is shown"):
        run_examples("wrong.md", unshown, databases, tmp_path)


def test_wrong_text_or_headers_shown_fail(databases: Databases, tmp_path: Path) -> None:
    block = readme_block("citation?format=text")
    run_examples("right.md", block, databases, tmp_path)
    with pytest.raises(AssertionError, match="shown 'South Korean"):
        run_examples("wrong.md", block.replace("CC BY 4.0.", "CC BY-SA 4.0."), databases, tmp_path)
    head = (
        "```sh\ncurl -i 'http://127.0.0.1:8000/v1/observations?count=true&limit=1'\n"
        "# HTTP/1.1 200 OK\n# x-total-count: {}\n# ...\n```\n"
    )
    with make_client(databases.copy(databases.seeded)) as seeded:
        counted = seeded.get("/v1/observations", params={"count": "true"})
    total = int(counted.headers["x-total-count"])
    run_examples("right.md", head.format(total), databases, tmp_path)
    with pytest.raises(AssertionError, match=f"shown x-total-count: {total - 1}"):
        run_examples("wrong.md", head.format(total - 1), databases, tmp_path)


def test_what_is_elided_is_not_compared(databases: Databases, tmp_path: Path) -> None:
    elided = (
        "```sh\ncurl 'http://127.0.0.1:8000/v1/observations?orgin=PRK'\n"
        '# {"status":400,"detail":"Unknown query parameter: orgin. ... visa_type.",'
        '"allowed":[...,"visa_type"],"unknown":[...],...}\n```\n'
    )
    assert run_examples("elided.md", elided, databases, tmp_path).shown == 1


def test_a_write_to_the_readers_own_database_fails(databases: Databases, tmp_path: Path) -> None:
    write = (
        "```sh\ncurl -X POST http://127.0.0.1:8000/v1/observations/1/retract "
        '-H \'Content-Type: application/json\' -d \'{"reason": "x", "revision": 3}\'\n```\n'
    )
    with pytest.raises(AssertionError, match="writes to the reader's own"):
        run_examples("wrong.md", write, databases, tmp_path)


def test_a_variable_no_line_sets_or_a_command_it_does_not_know_fails(
    databases: Databases, tmp_path: Path
) -> None:
    unset = '```sh\ncurl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/v1\n```\n'
    with pytest.raises(AssertionError, match=r"\$TOKEN is set by no line before"):
        run_examples("wrong.md", unset, databases, tmp_path)
    unknown = "```sh\nwget http://127.0.0.1:8000/v1\n# {}\n```\n"
    with pytest.raises(AssertionError, match="does not know how to run 'wget'"):
        run_examples("wrong.md", unknown, databases, tmp_path)
