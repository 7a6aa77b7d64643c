"""Scale-out on a standard engine: the Kubernetes manifests and the docker-compose setup.

Fast and offline, no cluster and no Docker engine: every manifest is validated against the
Kubernetes API's own schemas (kubernetes-validate ships them), and the facts that matter are
checked against their sources: the probes and port against the Dockerfile and Streamlit's health
endpoint, the memory against the load test's measured peak (docs/scale.md), the body size against
the app's upload limit, the compose nginx config against deploy/nginx.conf.template (the one the
loopback two-replica test, tests/test_replicas.py, runs), and Debian's nginx checks that config.

``python tests/test_deploy.py`` rewrites deploy/nginx-compose.conf from the template and the app
services of docker-compose.yml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
from cluster import render_config  # noqa: E402

KUBERNETES = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_NGINX = ROOT / "deploy" / "nginx-compose.conf"

#: The Kubernetes versions the manifests are validated against (schemas kubernetes-validate ships):
#: an old one still in managed clusters' extended support, and the newest it has.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
#: Measured (docs/scale.md, 40 students on one server): peak RSS in the two runs of the final
#: configuration, and with two hostile clients sending as fast as answered. MiB (bench/loadtest.py).
MEASURED_PEAK_MIB = 1494
HOSTILE_PEAK_MIB = 1968
PORT = 8501
HEALTH = "/_stcore/health"
#: The cookie deploy/nginx.conf.template sets; the Ingress uses the same name.
STICKY_COOKIE = "convviz_replica"
#: Where the official nginx image keeps its writable files (the template's PREFIX).
NGINX_PREFIX = "/var/cache/nginx"
_GENERATED = (
    "# deploy/nginx.conf.template filled in for docker-compose.yml (app1..appN on port 8501, nginx on\n"
    "# port 80 in its container, logs to docker's log). Regenerate with `python tests/test_deploy.py`\n"
    "# after changing the template or the app services; tests/test_deploy.py checks it is current.\n\n"
)


def manifests() -> list[tuple[str, dict]]:
    """(file name, document) for every Kubernetes object in deploy/kubernetes/."""
    found = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") != "Kustomization":
                found.append((path.name, doc))
    return found


def one(kind: str) -> dict:
    (doc,) = [doc for _, doc in manifests() if doc["kind"] == kind]
    return doc


def app_container() -> dict:
    (container,) = [
        c for c in one("Deployment")["spec"]["template"]["spec"]["containers"] if c["name"] == "app"
    ]
    return container


def mebibytes(quantity: str) -> float:
    """A Kubernetes (or Compose) memory quantity in MiB: '1536Mi', '2Gi', '2560M', '1.5G'."""
    match = re.fullmatch(r"([0-9.]+)([KMGT]i?)?", str(quantity))
    assert match, quantity
    number, unit = float(match.group(1)), match.group(2) or ""
    factor = {
        "": 1,
        "K": 1e3,
        "M": 1e6,
        "G": 1e9,
        "T": 1e12,
        "Ki": 2**10,
        "Mi": 2**20,
        "Gi": 2**30,
        "Ti": 2**40,
    }
    return number * factor[unit] / 2**20


def cores(quantity: str) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def upload_limit_mb() -> int:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]


# ---------------------------------------------------------------------------------- Kubernetes


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name, doc", manifests(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_every_manifest_is_valid_for_the_kubernetes_api(name, doc, version):
    # strict: a property the API does not know (a typo, a field at the wrong level) fails too
    kubernetes_validate.validate(doc, version, strict=True)


def test_the_validation_catches_a_misplaced_field():
    doc = one("Deployment")
    doc["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {"httpGet": {"path": HEALTH}}
    with pytest.raises(kubernetes_validate.ValidationError, match="readinessprobe"):
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert sorted(listed) == sorted(
        p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml"
    )
    assert len({doc["kind"] for _, doc in manifests()}) == len(manifests()), "one object of each kind"


def test_the_deployment_runs_the_app_as_the_dockerfile_and_make_run_do():
    container = app_container()
    command = container["command"] + container["args"]
    assert command[:5] == ["python", "-m", "streamlit", "run", "app/main.py"]
    assert container["workingDir"] == "/app"  # the Dockerfile's WORKDIR: app/main.py and .streamlit/
    for flag in (
        f"--server.port={PORT}",
        "--server.address=0.0.0.0",
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ):
        assert flag in command
    assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [("http", PORT)]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f'"--server.port", "{PORT}"' in dockerfile and f"EXPOSE {PORT}" in dockerfile
    # the memory settings of `make run` and the Dockerfile
    env = {e["name"]: e["value"] for e in container["env"]}
    server_env = re.search(r"^SERVER_ENV := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    for setting in server_env.split():
        name, value = setting.split("=")
        assert env[name] == value, name
        assert f"{name}={value}" in dockerfile, name
    # the pools follow the CPU limit, not the node's cores
    assert int(env["CONVCORE_HEAVY_SLOTS"]) == cores(container["resources"]["limits"]["cpu"])


def test_every_probe_asks_streamlits_health_endpoint_on_the_app_port():
    container = app_container()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = container[probe]["httpGet"]
        assert get["path"] == HEALTH, probe
        assert ports.get(get["port"], get["port"]) == PORT, probe
        assert container[probe]["timeoutSeconds"] >= 2, probe  # a first page under load took up to 1.4 s
    # the startup probe gives a cold start time before the liveness probe may restart the pod
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60
    # a restart ends every session on the pod: only after a long silence
    liveness = container["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 60


def test_the_resources_cover_the_measured_peak_memory():
    resources = app_container()["resources"]
    assert mebibytes(resources["requests"]["memory"]) >= MEASURED_PEAK_MIB
    assert mebibytes(resources["limits"]["memory"]) >= HOSTILE_PEAK_MIB * 1.2
    assert cores(resources["requests"]["cpu"]) >= 1
    assert cores(resources["limits"]["cpu"]) >= 2


def test_the_pod_runs_as_the_images_user_with_a_read_only_root():
    spec = one("Deployment")["spec"]["template"]["spec"]
    uid = int(re.search(r"--uid (\d+)", (ROOT / "Dockerfile").read_text()).group(1))
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == uid
    container = app_container()
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # what the app writes has a volume: temp files, and the weights download ($TORCH_HOME)
    env = {e["name"]: e["value"] for e in container["env"]}
    mounted = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/tmp", env["TORCH_HOME"]} <= mounted
    assert env["MPLCONFIGDIR"].startswith("/tmp/")
    assert "TORCH_HOME=/app/.torch" in (ROOT / "Dockerfile").read_text()
    # the init container copies what the image holds there (baked-in weights) into the volume
    (init,) = spec["initContainers"]
    assert init["image"] == container["image"]
    assert "/app/.torch/." in " ".join(init["command"])


def test_there_are_two_replicas_that_a_drain_cannot_take_at_once():
    deployment = one("Deployment")
    assert deployment["spec"]["replicas"] >= 2
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    budget = one("PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert 1 <= budget["spec"]["minAvailable"] < deployment["spec"]["replicas"]
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_the_service_sends_port_80_to_the_app_port():
    service = one("Service")
    labels = one("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80 and port["targetPort"] == "http"
    # no ClientIP affinity by default: behind the Ingress, the cookie does it (see the file)
    assert "sessionAffinity" not in service["spec"]


def test_the_ingress_keeps_each_browser_on_one_pod_with_a_cookie():
    ingress = one("Ingress")
    notes = {
        k.removeprefix("nginx.ingress.kubernetes.io/"): v
        for k, v in ingress["metadata"]["annotations"].items()
    }
    assert notes["affinity"] == "cookie"
    assert notes["affinity-mode"] == "persistent"
    assert notes["session-cookie-name"] == STICKY_COOKIE
    assert f"map $cookie_{STICKY_COOKIE} $sticky_key" in (ROOT / "deploy" / "nginx.conf.template").read_text()
    # the cookie outlives a lesson, and Streamlit's 120 s for a disconnected session
    assert int(notes["session-cookie-max-age"]) >= 8 * 3600
    # WebSockets open for an hour; uploads up to the app's limit
    assert int(notes["proxy-read-timeout"]) >= 3600 and int(notes["proxy-send-timeout"]) >= 3600
    assert int(notes["proxy-body-size"].removesuffix("m")) > upload_limit_mb()
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"
    backend = path["backend"]["service"]
    assert backend["name"] == one("Service")["metadata"]["name"]
    assert backend["port"]["name"] == one("Service")["spec"]["ports"][0]["name"]


# ---------------------------------------------------------------------------------- docker compose


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def app_services() -> list[str]:
    return sorted(name for name, service in compose()["services"].items() if service.get("build"))


def compose_nginx_config(apps: list[str]) -> str:
    """deploy/nginx.conf.template for docker-compose.yml: nginx on port 80, the apps by service name,
    the access and error logs to docker's log (stdout, stderr)."""
    text = render_config(Path(NGINX_PREFIX), "80", [f"{app}:{PORT}" for app in apps])
    text = text.replace(f"access_log {NGINX_PREFIX}/access.log ", "access_log /dev/stdout ")
    text = text.replace(f"error_log {NGINX_PREFIX}/error.log ", "error_log stderr ")
    return _GENERATED + text


def upstream_servers(conf: str) -> list[str]:
    block = re.search(r"upstream convviz \{(.*?)\}", conf, re.S).group(1)
    return re.findall(r"^\s*server (\S+)", block, re.M)


def test_the_compose_file_runs_replicas_of_the_image_behind_nginx():
    services = compose()["services"]
    apps = app_services()
    assert len(apps) >= 2
    for name in apps:
        app = services[name]
        assert app["build"] == "." and app["image"] == services[apps[0]]["image"]
        assert "ports" not in app, "replicas are reached through nginx only"
        assert app["read_only"] is True
        targets = {v["target"] if isinstance(v, dict) else v.split(":")[1] for v in app["volumes"]}
        assert {"/tmp", "/app/.torch"} <= targets
        assert mebibytes(app["deploy"]["resources"]["limits"]["memory"]) >= HOSTILE_PEAK_MIB * 1.2
    nginx = services["nginx"]
    assert nginx["image"].startswith("nginx:")
    assert "./deploy/nginx-compose.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert sorted(nginx["depends_on"]) == apps
    assert all(d["condition"] == "service_healthy" for d in nginx["depends_on"].values())


def test_each_app_service_is_one_upstream_server():
    conf = COMPOSE_NGINX.read_text()
    assert upstream_servers(conf) == [f"{app}:{PORT}" for app in app_services()]


def test_the_compose_nginx_config_is_the_template_filled_in():
    assert COMPOSE_NGINX.read_text() == compose_nginx_config(app_services()), (
        "deploy/nginx-compose.conf is out of date: run `python tests/test_deploy.py`"
    )


def test_the_compose_nginx_config_sticks_sessions_and_passes_websockets():
    conf = COMPOSE_NGINX.read_text()
    assert "hash $sticky_key consistent;" in conf
    assert f'"{STICKY_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax"' in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_read_timeout 3600s;" in conf
    body = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert body > upload_limit_mb()
    assert "listen 80;" in conf
    assert "access_log /dev/stdout sticky;" in conf and "error_log stderr warn;" in conf
    assert "{{" not in conf


def test_nginx_accepts_the_compose_config(tmp_path):
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (make test installs it)")
    # the service names resolve only inside compose's network; the paths are the image's
    conf = COMPOSE_NGINX.read_text().replace(NGINX_PREFIX, str(tmp_path))
    for app in app_services():
        conf = conf.replace(f"server {app}:{PORT} ", f"server 127.0.0.1:{PORT} ")
    conf = conf.replace("listen 80;", "listen 127.0.0.1:8080;")
    (tmp_path / "nginx.conf").write_text(conf)
    tmp_path.chmod(0o755)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


if __name__ == "__main__":
    COMPOSE_NGINX.write_text(compose_nginx_config(app_services()))
    print(f"wrote {COMPOSE_NGINX.relative_to(ROOT)} for {', '.join(app_services())}")
