"""deploy/k8s: every manifest validates against the Kubernetes schemas (bundled with
kubernetes-validate, no network), and the pieces fit together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
VERSION = "1.30.0"


def _docs() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


@pytest.mark.parametrize("doc", _docs(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_manifest_is_valid(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, VERSION, strict=True)


def test_an_invalid_manifest_is_refused() -> None:
    api = next(d for d in _docs() if d["kind"] == "Deployment")
    broken = {**api, "spec": {**api["spec"], "replicas": "three"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSION, strict=True)


def test_the_pieces_fit() -> None:
    docs = _docs()
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for wanted in [
        ("Deployment", "onboard-api"),
        ("Deployment", "onboard-worker"),
        ("Deployment", "onboard-bot"),
        ("Job", "onboard-migrate"),
        ("HorizontalPodAutoscaler", "onboard-api"),
        ("PodDisruptionBudget", "onboard-api"),
        ("Secret", "onboard-env"),
        ("Secret", "onboard-proof-keys"),
    ]:
        assert wanted in kinds, wanted
    api = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "onboard-api"
    )
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    secrets = {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
    for d in docs:
        spec = d.get("spec", {}).get("template", {}).get("spec", {})
        for c in spec.get("containers", []):
            for ref in c.get("envFrom", []):
                assert ref["secretRef"]["name"] in secrets
        for v in spec.get("volumes", []):
            if "secret" in v:
                assert v["secret"]["secretName"] in secrets
    bot = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "onboard-bot"
    )
    env = {e["name"] for e in bot["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "ONBOARD_BOT_WEBHOOK_URL" in env  # webhook mode
