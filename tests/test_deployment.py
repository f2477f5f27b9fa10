"""The deployment files agree with each other: the lock files with pyproject.toml, every install
with a lock file, docker-compose.yml with .env.example, .env.example with settings.py. Read from
the files, nothing started."""

import ast
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("app", "dev", "bench")
APP_SERVICES = ("migrate", "web", "worker", "beat")


class Locked:
    """One package of a lock file: its version, markers and hashes."""

    def __init__(self, line: str) -> None:
        spec, _, rest = line.partition(" --hash=")
        requirement = Requirement(spec.strip())
        self.name = canonicalize_name(requirement.name)
        self.specifier = str(requirement.specifier)
        self.marker = str(requirement.marker or "")
        self.hashes = sorted(re.findall(r"sha256:[0-9a-f]{64}", line))
        self.line = line


def lock_entries(name: str) -> list[str]:
    """The requirement lines of requirements/<name>.txt, continuation lines joined."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text().replace("\\\n", " ")
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def lock(name: str) -> dict[str, Locked]:
    return {entry.name: entry for entry in map(Locked, lock_entries(name))}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins(requirements: list[str]) -> dict[str, str]:
    """Package name -> version of pyproject requirements, each of which must be an exact pin."""
    result = {}
    for text in requirements:
        requirement = Requirement(text)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{text}: pin it with == in pyproject.toml"
        result[canonicalize_name(requirement.name)] = specifier.version
    return result


def runtime_pins() -> dict[str, str]:
    return pins(pyproject()["project"]["dependencies"])


def extra_pins(extra: str) -> dict[str, str]:
    return pins(pyproject()["project"]["optional-dependencies"][extra])


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def strings(value: object) -> list[str]:
    """Every string in a parsed YAML document, keys aside: what compose interpolates."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ escapes.
VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<kind>:?[-?])(?P<value>[^}]*))?\}")
BARE_VARIABLE = re.compile(r"(?<!\$)\$(?P<name>[A-Za-z_]\w*)")


def compose_variables() -> dict[str, tuple[str, str]]:
    """Each variable compose substitutes -> (kind, default or message)."""
    found: dict[str, tuple[str, str]] = {}
    for text in strings(compose()):
        for match in VARIABLE.finditer(text):
            entry = (match["kind"] or "", match["value"] or "")
            assert found.setdefault(match["name"], entry) == entry, (
                f"${{{match['name']}}} is given two defaults in docker-compose.yml"
            )
    return found


def env_example() -> tuple[dict[str, str], set[str]]:
    """The .env.example lines NAME=value, and the names of those commented out (#NAME=...)."""
    active, commented = {}, set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line):
            assert match[1] not in active, f"{match[1]} is listed twice in .env.example"
            active[match[1]] = match[2]
        elif match := re.fullmatch(r"#([A-Z][A-Z0-9_]*)=.*", line):
            commented.add(match[1])
    return active, commented


def settings_variables() -> set[str]:
    """The names settings.py reads from the environment (os.environ, os.getenv, env_*)."""
    tree = ast.parse((ROOT / "pesco_review" / "settings.py").read_text())
    readers = {"os.environ.get", "os.getenv", "env_int", "env_bool", "env_list"}
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in readers and node.args:
            key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


@pytest.mark.parametrize("name", LOCKS)
def test_lock_every_package_has_hashes_and_an_exact_version(name):
    entries = lock_entries(name)

    assert len(entries) > 10
    for entry in map(Locked, entries):
        assert re.fullmatch(r"==[^,=<>!~]+", entry.specifier), entry.line
        assert entry.hashes, f"requirements/{name}.txt: {entry.name} has no --hash"


@pytest.mark.parametrize("name", LOCKS)
def test_lock_names_no_index_or_local_path(name):
    text = (ROOT / "requirements" / f"{name}.txt").read_text()

    assert re.findall(r"--(?:extra-)?index-url|--find-links|-f |file:|/opt/|\.\./", text) == []


@pytest.mark.parametrize("name", ["app", "dev", "bench"])
def test_lock_runtime_dependencies_pinned_at_pyproject_versions(name):
    locked = lock(name)

    for package, version in runtime_pins().items():
        assert package in locked, f"{package} is missing from requirements/{name}.txt"
        assert locked[package].specifier == f"=={version}", (
            f"requirements/{name}.txt has {package}{locked[package].specifier}, pyproject.toml "
            f"{version}: run make lock"
        )


@pytest.mark.parametrize(("extra", "name"), [("dev", "dev"), ("bench", "bench")])
def test_lock_extra_pinned_at_pyproject_versions(extra, name):
    locked = lock(name)

    for package, version in extra_pins(extra).items():
        assert package in locked, f"{package} is missing from requirements/{name}.txt"
        assert locked[package].specifier == f"=={version}", f"{package}: run make lock"


def test_lock_app_has_no_dev_or_bench_only_package():
    app = lock("app")
    runtime = runtime_pins()
    tools = (extra_pins("dev") | extra_pins("bench")).keys() - runtime.keys()

    assert tools
    assert sorted(tools & app.keys()) == []


def test_lock_dev_has_no_bench_only_package():
    dev = lock("dev")
    bench_only = extra_pins("bench").keys() - extra_pins("dev").keys() - runtime_pins().keys()

    assert bench_only
    assert sorted(bench_only & dev.keys()) == []


@pytest.mark.parametrize("name", ["dev", "bench"])
def test_lock_shares_app_versions_and_hashes(name):
    app, other = lock("app"), lock(name)

    for package, entry in app.items():
        assert package in other, f"{package} is in app.txt but not in {name}.txt"
        assert (other[package].specifier, other[package].hashes) == (entry.specifier, entry.hashes)


@pytest.mark.parametrize("path", ["Makefile", "Dockerfile", ".ci/run"])
def test_every_pip_install_reads_a_lock_file_with_hashes(path):
    text = (ROOT / path).read_text().replace("\\\n", " ")
    installs = [line for line in text.splitlines() if re.search(r"\bpip install\b", line)]

    assert installs or path == ".ci/run"
    for line in installs:
        assert "--require-hashes" in line, line
        assert re.search(r"-r \S*(requirements/\w+\.txt|\$\(LOCK\))", line), line


def test_makefile_installs_dev_lock():
    text = (ROOT / "Makefile").read_text()

    assert "LOCK := requirements/dev.txt" in text
    assert "$(VENV)/.installed: $(LOCK)" in text


def test_dockerfile_installs_app_lock_before_copying_the_source():
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    copy_lock = lines.index("COPY requirements/app.txt requirements/app.txt")
    install = next(i for i, line in enumerate(lines) if "pip install" in line)
    copy_source = lines.index("COPY . .")

    assert copy_lock < install < copy_source
    assert "--require-hashes --no-deps" in lines[install]
    assert "-r requirements/app.txt" in lines[install]


def test_compose_app_services_run_one_image_built_once():
    services = compose()["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    builders = [name for name in APP_SERVICES if "build" in services[name]]

    assert images == {"${PESCO_IMAGE:-pesco-review:local}"}
    assert builders == ["migrate"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


@pytest.mark.parametrize("name", ["web", "worker", "beat", "db", "redis"])
def test_compose_service_has_a_health_check(name):
    healthcheck = compose()["services"][name]["healthcheck"]

    assert healthcheck["test"][0] in ("CMD", "CMD-SHELL")
    assert not healthcheck.get("disable", False)
    assert healthcheck["timeout"]


def test_compose_beat_health_check_reads_the_schedule_file_beat_writes():
    beat = compose()["services"]["beat"]
    command = beat["command"]
    schedule = command[command.index("--schedule") + 1]

    assert f'"{schedule}*"' in " ".join(beat["healthcheck"]["test"])


def test_compose_worker_health_check_pings_its_own_node():
    test = " ".join(compose()["services"]["worker"]["healthcheck"]["test"])

    assert "inspect ping --destination celery@$$HOSTNAME" in test


def test_compose_writes_no_password():
    services = compose()["services"]
    environments = {name: service.get("environment", {}) for name, service in services.items()}
    secret_names = ("PASSWORD", "SECRET")

    for service, environment in environments.items():
        for key, value in environment.items():
            if any(word in key for word in secret_names):
                match = VARIABLE.fullmatch(str(value))
                assert match, f"{service}: {key} is written in docker-compose.yml"
                default = "" if match["kind"] == ":?" else match["value"]
                assert match["kind"] in (":?", ":-"), f"{service}: {key} may be left unset"
                assert default == "", f"{service}: {key} has a default written in the file"
            for password in re.findall(r"://[^/:@\s]+:(\$\{[^}]*\}|[^@\s/]+)@", str(value)):
                assert VARIABLE.fullmatch(password), f"{service}: {key} writes a password"
    assert environments["db"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in environments["web"]["DATABASE_URL"]


def test_compose_uses_no_unbraced_variable():
    bare = [m["name"] for text in strings(compose()) for m in BARE_VARIABLE.finditer(text)]

    assert bare == []


def test_env_example_lists_exactly_what_compose_reads_with_its_defaults():
    active, _ = env_example()
    variables = compose_variables()

    assert {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "PESCO_IMAGE"} <= variables.keys()
    assert sorted(active) == sorted(variables)
    for name, (kind, value) in variables.items():
        expected = "" if kind.endswith("?") else value
        assert active[name] == expected, f".env.example: {name}={active[name]}, compose: {value}"


def test_env_example_lists_every_variable_settings_reads():
    active, commented = env_example()
    names = settings_variables()

    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_PORT", "OIDC_CLIENT_ID"} <= names
    assert sorted(names - active.keys() - commented) == []


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_passes_every_setting_it_takes_from_env_to_the_application(service):
    active, _ = env_example()
    environment = compose()["services"][service]["environment"]
    taken = sorted(settings_variables() & active.keys())

    assert {"AWS_STORAGE_BUCKET_NAME", "AWS_SECRET_ACCESS_KEY", "REDIS_URL"} <= set(taken)
    assert [name for name in taken if f"${{{name}" not in str(environment.get(name, ""))] == []
